package engine

// Explanations of null points and sanity checks: every null or absent value
// the engine produces for a reason the user can fix carries a notice saying
// the reason and the fix, and results that are numbers but likely wrong
// (label sets that never meet, scores that are not probabilities) carry a
// warning. The notices are listed in docs/notices.md.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// labelListLimit bounds the labels a notice lists.
const labelListLimit = 20

// nullReasons counts null points by reason, keeping the first bucket and
// series each reason was seen at.
type nullReasons struct {
	order []string
	count map[string]int
	first map[string]string
	total int
}

func (n *nullReasons) point() { n.total++ }

func (n *nullReasons) add(reason string, bucket int64, series string) {
	if n.count == nil {
		n.count, n.first = map[string]int{}, map[string]string{}
	}
	if _, ok := n.count[reason]; !ok {
		n.order = append(n.order, reason)
		n.first[reason] = fmt.Sprintf("first at %s, %s", bucketTime(bucket).Format("2006-01-02T15:04:05Z"), series)
	}
	n.count[reason]++
}

// notices writes one notice per reason: "3 of 10 precision points are null
// (first at …): REASON".
func (n *nullReasons) notices(res *Result, metric string) {
	for _, r := range n.order {
		res.notice(Warning, "%d of %d %s points are null (%s): %s", n.count[r], n.total, metric, n.first[r], r)
	}
}

// defaultNote says that a label is the default the user did not choose.
func defaultNote(defaulted bool, option string) string {
	if defaulted {
		return fmt.Sprintf(" (the default: the query sets no %s)", option)
	}
	return ""
}

// labelCounts lists the values of a label column in a scope, most frequent
// first: `">50K" (3,846), "<=50K" (12,435)`.
func (e *Engine) labelCounts(ctx context.Context, sc store.Scope, col store.Column) (string, error) {
	return e.valueCounts(ctx, sc, col, labelListLimit, "labels", true, "none")
}

// valueCounts lists the values a column holds in a scope with their counts
// (`"a" (12), "b" (3)`), most frequent first when byCount is set, else in the
// store's key order; past limit distinct values it says so instead, and
// empty stands for a scope without a value.
func (e *Engine) valueCounts(ctx context.Context, sc store.Scope, col store.Column, limit int, noun string, byCount bool, empty string) (string, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc, Keys: []store.Key{{Kind: store.KeyColumn, Col: col}}, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: limit,
	})
	if errors.Is(err, store.ErrTooManyGroups) {
		return fmt.Sprintf("more than %d distinct %s", limit, noun), nil
	}
	if err != nil {
		return "", fmt.Errorf("listing the values of %s: %w", col, err)
	}
	rows := agg.Rows
	if byCount {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Measures[0] > rows[j].Measures[0] })
	}
	var parts []string
	for _, r := range rows {
		if r.Keys[0].Null {
			continue
		}
		parts = append(parts, fmt.Sprintf("%q (%s)", r.Keys[0].Str, formatCount(int64(r.Measures[0]))))
	}
	if len(parts) == 0 {
		return empty, nil
	}
	return strings.Join(parts, ", "), nil
}

// ---------------------------------------------------------------- performance

// perfNullReason says why a performance metric is undefined in a bucket.
func perfNullReason(q *models.Query, family perfFamily, b *perfBucket) string {
	pos := strconv.Quote(q.Positive)
	switch family {
	case famLabels:
		c := b.conf
		switch q.Metric {
		case "precision":
			return fmt.Sprintf("nothing is predicted positive (%s) there, so precision (true positives / predicted positives) is undefined; check the query's positive label", pos)
		case "recall":
			return fmt.Sprintf("no actual is positive (%s) there, so recall (true positives / actual positives) is undefined; check the query's positive label", pos)
		case "f1":
			if c.TP+c.FP+c.FN == 0 {
				return fmt.Sprintf("neither a prediction nor an actual is positive (%s) there, so F1 is undefined; check the query's positive label", pos)
			}
		}
	case famAUC:
		var p, n float64
		for _, s := range b.scores {
			p += s.Positives
			n += s.Negatives
		}
		if p == 0 {
			return fmt.Sprintf("no actual is positive (%s) there: AUC needs records of both classes; check the query's positive label", pos)
		}
		if n == 0 {
			return fmt.Sprintf("every actual is positive (%s) there: AUC needs records of both classes; use a longer interval", pos)
		}
	case famRegression:
		if q.Metric == "r2" {
			return "the actual values do not vary there (one record, or all equal), so R² (1 − residual / total variance) is undefined; use a longer interval"
		}
	}
	return "the metric is undefined for the records there"
}

// explainPerformance adds a notice per reason for the null points, then the
// sanity warnings on labels and scores.
func (e *Engine) explainPerformance(ctx context.Context, res *Result, q *models.Query, family perfFamily, series map[string]*perfSeries, sc store.Scope) error {
	var nulls nullReasons
	// What the aggregates already tell, so the label sanity check (one more
	// store aggregate) runs only when something looks wrong.
	var conf metrics.Confusion
	var correct int64
	var pos, neg float64
	lo, hi := 0.0, 1.0
	ids := make([]string, 0, len(series))
	for id := range series {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := series[id]
		starts := make([]int64, 0, len(s.buckets))
		for t := range s.buckets {
			starts = append(starts, t)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for _, t := range starts {
			b := s.buckets[t]
			if !b.evaluated {
				continue
			}
			conf.TP, conf.FP, conf.FN, conf.TN = conf.TP+b.conf.TP, conf.FP+b.conf.FP, conf.FN+b.conf.FN, conf.TN+b.conf.TN
			correct += b.correct
			for _, sc := range b.scores {
				pos, neg = pos+sc.Positives, neg+sc.Negatives
				lo, hi = min(lo, sc.Score), max(hi, sc.Score)
			}
			nulls.point()
			v, err := perfValue(q.Metric, family, b)
			if err != nil || v.Valid() {
				continue
			}
			where := "version " + s.version + " " + s.environment
			if len(s.groups) > 0 {
				where += " " + strings.Join(s.groups, " ")
			}
			nulls.add(perfNullReason(q, family, b), t, where)
		}
	}
	nulls.notices(res, q.Metric)
	switch family {
	case famLabels:
		if correct > 0 && (q.Metric == "accuracy" || (conf.TP+conf.FN > 0 && conf.TP+conf.FP > 0)) {
			return nil // labels meet and the positive label is predicted and actual
		}
	case famAUC:
		if pos > 0 && neg > 0 && lo >= 0 && hi <= 1 {
			return nil
		}
	case famRegression:
		return nil
	}
	return e.classificationSanity(ctx, res, q, family, sc)
}

// classificationSanity warns when the predicted and actual labels never meet,
// when the positive label occurs in no actual (or no prediction), and when
// scores read as probabilities fall outside [0, 1].
func (e *Engine) classificationSanity(ctx context.Context, res *Result, q *models.Query, family perfFamily, sc store.Scope) error {
	withActual := sc
	withActual.WithActual = true
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     withActual,
		Keys:      []store.Key{{Kind: store.KeyColumn, Col: colPredLabel}, {Kind: store.KeyColumn, Col: colActualLabel}},
		Measures:  []store.Measure{{Op: store.Count}, {Op: store.Min, A: colPredScore}, {Op: store.Max, A: colPredScore}, {Op: store.CountNotNull, A: colPredScore}},
		MaxGroups: labelListLimit * labelListLimit,
	})
	if errors.Is(err, store.ErrTooManyGroups) {
		return nil // too many labels to list: no sanity check on them
	}
	if err != nil {
		return fmt.Errorf("performance %s of model %q: label sets: %w", q.Metric, q.Model, err)
	}
	pred, act := map[string]int64{}, map[string]int64{}
	lo, hi, scored := 0.0, 0.0, int64(0)
	for _, r := range agg.Rows {
		n := int64(r.Measures[0])
		if !r.Keys[0].Null {
			pred[r.Keys[0].Str] += n
		}
		if !r.Keys[1].Null {
			act[r.Keys[1].Str] += n
		}
		if k := int64(r.Measures[3]); k > 0 {
			if scored == 0 || r.Measures[1] < lo {
				lo = r.Measures[1]
			}
			if scored == 0 || r.Measures[2] > hi {
				hi = r.Measures[2]
			}
			scored += k
		}
	}
	if family == famLabels && len(pred) > 0 && len(act) > 0 && !meet(pred, act) {
		res.notice(Warning, "the predicted labels (%s) and the actual labels (%s) never meet: no predicted label equals an actual label, so every prediction counts as wrong; "+
			"map one onto the other when ingesting (%s)", listLabels(pred), listLabels(act), labelMapHint(pred, act))
	}
	if q.Metric != "accuracy" && len(act) > 0 && act[q.Positive] == 0 {
		res.notice(Warning, "the positive label %q%s occurs in no actual label of the records with actuals; actual labels: %s; set positive to the class of interest",
			q.Positive, defaultNote(q.PositiveDefaulted, "positive"), listLabels(act))
	} else if family == famLabels && q.Metric != "accuracy" && len(pred) > 0 && pred[q.Positive] == 0 {
		res.notice(Warning, "the positive label %q%s occurs in no predicted label; predicted labels: %s; set positive to the class of interest",
			q.Positive, defaultNote(q.PositiveDefaulted, "positive"), listLabels(pred))
	}
	if (family == famAUC || family == famLogLoss) && scored > 0 && (lo < 0 || hi > 1) {
		how := "log loss clips them to [ε, 1 − ε]"
		if family == famAUC {
			how = "AUC only ranks them, but a score outside [0, 1] suggests a logit or another column"
		}
		res.notice(Warning, "prediction scores range from %s to %s, outside [0, 1]: %s read the score as the probability of the positive label %q, and %s; send probabilities as prediction.score",
			strconv.FormatFloat(lo, 'g', 6, 64), strconv.FormatFloat(hi, 'g', 6, 64), q.Metric, q.Positive, how)
	}
	return nil
}

func meet(a, b map[string]int64) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

// listLabels writes labels with their counts, most frequent first.
func listLabels(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for i, k := range keys {
		if i == labelListLimit {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%q (%s)", k, formatCount(m[k])))
	}
	return strings.Join(parts, ", ")
}

// labelMapHint proposes a --label-map when each actual label matches one
// predicted label once case, spaces and trailing dots are ignored (">50K."
// and ">50K").
func labelMapHint(pred, act map[string]int64) string {
	norm := func(s string) string { return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".")) }
	byNorm := map[string]string{}
	for p := range pred {
		byNorm[norm(p)] = p
	}
	keys := make([]string, 0, len(act))
	for a := range act {
		keys = append(keys, a)
	}
	sort.Strings(keys)
	var pairs []string
	for _, a := range keys {
		p, ok := byNorm[norm(a)]
		if !ok {
			return `vigil ingest --label-map '{"ACTUAL":"PREDICTED"}'`
		}
		pairs = append(pairs, fmt.Sprintf("%q:%q", a, p))
	}
	return "vigil ingest --label-map '{" + strings.Join(pairs, ",") + "}'"
}

// ---------------------------------------------------------------- fairness

// fairNullReason says why a fairness metric is undefined in a bucket whose
// groups are not under the minimum size.
func fairNullReason(q *models.Query, b *fairBucket, group string) string {
	fav := strconv.Quote(q.Fairness.Favorable)
	sel := func(c metrics.Confusion) bool { return c.Total() == 0 }
	switch q.Metric {
	case "selection_rate":
		c := b.selReference
		if group == "protected" {
			c = b.selProtected
		}
		if sel(c) {
			return fmt.Sprintf("the %s group has no record with a predicted label there", group)
		}
	case "disparate_impact", "statistical_parity_difference":
		switch {
		case sel(b.selProtected):
			return "the protected group has no record with a predicted label there"
		case sel(b.selReference):
			return "the reference group has no record with a predicted label there"
		case b.selReference.TP+b.selReference.FP == 0:
			return fmt.Sprintf("no record of the reference group is predicted favourable (%s) there, so its selection rate is 0 and the ratio is undefined; check fairness.favorable", fav)
		}
	case "equal_opportunity_difference", "average_odds_difference":
		for _, g := range []struct {
			name string
			c    metrics.Confusion
		}{{"protected", b.actProtected}, {"reference", b.actReference}} {
			if g.c.TP+g.c.FN == 0 {
				return fmt.Sprintf("no record of the %s group has a favourable actual (%s) there, so its true positive rate is undefined; check fairness.favorable", g.name, fav)
			}
			if q.Metric == "average_odds_difference" && g.c.FP+g.c.TN == 0 {
				return fmt.Sprintf("no record of the %s group has an unfavourable actual there, so its false positive rate is undefined; use a longer interval", g.name)
			}
		}
	case "predictive_parity_ratio":
		for _, g := range []struct {
			name string
			c    metrics.Confusion
		}{{"protected", b.actProtected}, {"reference", b.actReference}} {
			if g.c.TP+g.c.FP == 0 {
				return fmt.Sprintf("no record of the %s group with an actual is predicted favourable (%s) there, so its precision is undefined; check fairness.favorable", g.name, fav)
			}
		}
		if b.actReference.TP == 0 {
			return "no record of the reference group predicted favourable is actually favourable there, so its precision is 0 and the ratio is undefined"
		}
	}
	return "the metric is undefined for the records there"
}

// explainFairness adds a notice per reason for the null points that the
// minimum group size does not explain, and a warning when the favourable
// label occurs in no prediction (or, for the metrics that need actuals, in
// no actual).
func (e *Engine) explainFairness(ctx context.Context, res *Result, q *models.Query, versions map[string]map[int64]*fairBucket, groups []string, minGroup int64, sc store.Scope) error {
	var nulls nullReasons
	names := make([]string, 0, len(versions))
	for v := range versions {
		names = append(names, v)
	}
	sort.Strings(names)
	var selected, favActual, withActual int64
	for _, version := range names {
		for _, b := range versions[version] {
			selected += b.selProtected.TP + b.selProtected.FP + b.selReference.TP + b.selReference.FP
			favActual += b.actProtected.TP + b.actProtected.FN + b.actReference.TP + b.actReference.FN
			withActual += b.actProtected.Total() + b.actReference.Total()
		}
		starts := make([]int64, 0, len(versions[version]))
		for t := range versions[version] {
			starts = append(starts, t)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for _, group := range groups {
			for _, t := range starts {
				b := versions[version][t]
				v, used, err := b.value(q.Metric, group)
				if err != nil || !used {
					continue
				}
				nulls.point()
				if v.Valid() || b.tooSmall(q.Metric, group, minGroup) {
					continue
				}
				where := "version " + version
				if group != "" {
					where += " " + group + " group"
				}
				nulls.add(fairNullReason(q, b, group), t, where)
			}
		}
	}
	nulls.notices(res, q.Metric)
	f := q.Fairness
	if len(versions) > 0 && selected == 0 {
		labels, err := e.labelCounts(ctx, sc, colPredLabel)
		if err != nil {
			return err
		}
		res.notice(Warning, "the favourable label %q%s occurs in no predicted label of the protected and reference groups; predicted labels: %s; set fairness.favorable to the label of the good outcome",
			f.Favorable, defaultNote(f.FavorableDefaulted, "fairness.favorable"), labels)
	}
	if fairnessNeedsActuals(q.Metric) && withActual > 0 && favActual == 0 {
		withAct := sc
		withAct.WithActual = true
		labels, err := e.labelCounts(ctx, withAct, colActualLabel)
		if err != nil {
			return err
		}
		res.notice(Warning, "the favourable label %q%s occurs in no actual label of the protected and reference groups; actual labels: %s; set fairness.favorable (and map the actual labels onto the predicted ones at ingest if they differ)",
			f.Favorable, defaultNote(f.FavorableDefaulted, "fairness.favorable"), labels)
	}
	return nil
}

// ---------------------------------------------------------------- names

// checkNames refuses versions or an environment that the model has never
// seen, naming those it has (a typo such as "prod" would otherwise answer "no
// records in the time range"). Without a model (traffic, models) the names of
// every model count. An unknown model is left to the query's handler, which
// names the known models; an empty reference is the handler's error too.
func (e *Engine) checkNames(ctx context.Context, q *models.Query) error {
	if len(q.Versions) == 0 && q.Environment == "" {
		return nil
	}
	inventory, err := e.Store.Models(ctx)
	if err != nil {
		return fmt.Errorf("listing models: %w", err)
	}
	versions, envs := map[string]bool{}, map[string]bool{}
	found := q.Model == ""
	for _, m := range inventory {
		if q.Model != "" && m.Name != q.Model {
			continue
		}
		found = true
		for _, v := range m.Versions {
			versions[v.Version] = true
			if v.Environment != "" {
				envs[v.Environment] = true
			}
		}
	}
	if !found {
		return nil
	}
	whose := fmt.Sprintf("model %q", q.Model)
	if q.Model == "" {
		whose = "any model"
	}
	for i, v := range q.Versions {
		if !versions[v] {
			return &models.QueryError{Option: fmt.Sprintf("versions[%d]", i), Msg: fmt.Sprintf("%q is not a version of %s; its versions: %s", v, whose, joinOrNone(sortedKeys(versions)))}
		}
	}
	if q.Environment != "" && !envs[q.Environment] {
		return &models.QueryError{Option: "environment", Msg: fmt.Sprintf("%q is not an environment of %s; its environments: %s", q.Environment, whose, joinOrNone(sortedKeys(envs)))}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------- drift

// driftExplain collects what a drift run explains: null points per target
// and targets whose reference and current categories never meet.
type driftExplain struct {
	nulls    map[string]*nullReasons // by target name
	order    []string
	disjoint []string // one warning text per target
}

// noteNullPoints records a target's null points. Binned metrics count
// missing values as a bin, so only KS and Wasserstein (which compare values)
// are null where a bucket or the reference has no value; rolling references
// without records are counted apart (emptyRolling).
func (r *driftRun) noteNullPoints(t driftTarget, groups map[driftGroup]metrics.Optional) {
	if r.ref.window > 0 {
		return
	}
	keys := make([]driftGroup, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].bucket != keys[j].bucket {
			return keys[i].bucket < keys[j].bucket
		}
		return keys[i].version < keys[j].version
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.explain.nulls[t.name]
	for _, g := range keys {
		if g.version == r.ref.skipVersion {
			continue
		}
		if n == nil {
			n = &nullReasons{}
			if r.explain.nulls == nil {
				r.explain.nulls = map[string]*nullReasons{}
			}
			r.explain.nulls[t.name] = n
			r.explain.order = append(r.explain.order, t.name)
		}
		n.point()
		if groups[g].Valid() {
			continue
		}
		reason := fmt.Sprintf("%s has no non-missing value there or in the reference (%s), and %s compares values; psi, js and the other binned metrics count missing values as a bin",
			t.name, r.ref.desc, r.q.Metric)
		if r.q.Metric == "wasserstein_norm" {
			reason += "; wasserstein_norm is also undefined when it cannot be normalised"
		}
		n.add(reason, g.bucket, "version "+g.version)
	}
}

// noteDisjointCategories warns when a categorical target's reference and
// current data share no category: every category then looks new and the
// drift is as large as it gets, which is more often an encoding mismatch
// (codes against names) or the wrong reference than real drift.
func (r *driftRun) noteDisjointCategories(t driftTarget, ref *driftSample, cur map[driftGroup]*driftSample) {
	refCats := ref.categoryCounts().Counts
	curCats := map[string]int64{}
	for _, c := range cur {
		for k, v := range c.categoryCounts().Counts {
			curCats[k] += v
		}
	}
	if len(refCats) == 0 || len(curCats) == 0 || meet(refCats, curCats) {
		return
	}
	text := fmt.Sprintf("%s: the reference (%s) and the current data share no category (reference: %s; current: %s), so every category counts as new and the drift is maximal; "+
		"check that both encode %s the same way (codes against names, case, spaces) and that the reference is the right one",
		t.name, r.ref.desc, listLabels(refCats), listLabels(curCats), t.name)
	r.mu.Lock()
	r.explain.disjoint = append(r.explain.disjoint, text)
	r.mu.Unlock()
}

// explainNotices writes the drift run's explanations.
func (r *driftRun) explainNotices() {
	sort.Strings(r.explain.disjoint)
	for _, d := range r.explain.disjoint {
		r.res.notice(Warning, "%s", d)
	}
	names := append([]string(nil), r.explain.order...)
	sort.Strings(names)
	for _, name := range names {
		r.explain.nulls[name].notices(r.res, r.q.Metric+" of "+name)
	}
}

// ---------------------------------------------------------------- bias trace

// explainBiasTrace says why the overall disparate impact of a bias trace is
// undefined: every contribution is null then.
func explainBiasTrace(res *Result, q *models.Query, all metrics.SelectionPair, overall metrics.Optional) {
	if overall.Valid() {
		return
	}
	f := q.Fairness
	p, r := all.Protected, all.Reference
	switch {
	case p.Rows == 0 || r.Rows == 0:
		// checkGroups has said which group has no record.
	case p.Selected+r.Selected == 0:
		res.notice(Warning, "the favourable label %q%s is predicted for no record of the protected and reference groups, so the disparate impact and every contribution are null; set fairness.favorable to the label of the good outcome",
			f.Favorable, defaultNote(f.FavorableDefaulted, "fairness.favorable"))
	case r.Selected == 0:
		res.notice(Warning, "no record of the reference group is predicted favourable (%q), so its selection rate is 0 and the disparate impact and every contribution are null",
			f.Favorable)
	}
}

// ---------------------------------------------------------------- traffic

// noticeFilteredTraffic says why a traffic query has no series although the
// time range has records: its versions or status filter kept none of them.
func noticeFilteredTraffic(res *Result, q *models.Query, seen map[string]string) {
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		st := seen[k]
		if st == "" {
			st = "no status"
		}
		parts[i] = fmt.Sprintf("%s (%s)", k, st)
	}
	var filters []string
	if len(q.Versions) > 0 {
		filters = append(filters, "versions "+strings.Join(q.Versions, ", "))
	}
	if len(q.Status) > 0 {
		filters = append(filters, "status "+strings.Join(q.Status, ", "))
	}
	res.notice(Info, "no version with records in the time range matches %s; versions with records: %s", strings.Join(filters, " and "), strings.Join(parts, ", "))
}

// namesShowIn reports whether every version the query names labels a series
// of the result and, when the query names an environment, the result holds
// something. Otherwise a name may be unknown, and checkNames looks.
func namesShowIn(q *models.Query, res *Result) bool {
	if len(q.Versions) == 0 && q.Environment == "" {
		return true
	}
	rows := 0
	for _, t := range res.Tables {
		if len(t.Columns) > 0 {
			rows += len(t.Columns[0].Values)
		}
	}
	if len(res.Series) == 0 {
		return rows > 0 && len(q.Versions) == 0
	}
	seen := map[string]bool{}
	for _, s := range res.Series {
		for _, l := range s.Labels {
			if l.Name == "version" {
				seen[l.Value] = true
			}
		}
	}
	for _, v := range q.Versions {
		if !seen[v] {
			return false
		}
	}
	return true
}

func isQueryError(err error) bool {
	var qe *models.QueryError
	return errors.As(err, &qe)
}

// explainSegments counts the shown segments whose metric is null and says
// why, reason by reason ("12 of 40 segments have no disparate_impact: …").
func explainSegments(res *Result, q *models.Query, metric string, segs []tracedSegment) {
	type reason struct {
		n       int
		example string
	}
	var order []string
	byReason := map[string]*reason{}
	note := func(r string, s tracedSegment) {
		if byReason[r] == nil {
			byReason[r] = &reason{example: s.bias.Feature + "=" + s.bias.Value}
			order = append(order, r)
		}
		byReason[r].n++
	}
	for _, s := range segs {
		if metric == "disparate_impact" {
			if !s.bias.DisparateImpact.Valid() {
				note(fairNullReason(&models.Query{Metric: "disparate_impact", Fairness: q.Fairness}, &s.counts.all, ""), s)
			}
			continue
		}
		groups := []string{""}
		if metric == "selection_rate" {
			groups = []string{"protected", "reference"}
		}
		for i, v := range s.metricValues {
			if !v.Valid() && i < len(groups) {
				note(fairNullReason(&models.Query{Metric: metric, Fairness: q.Fairness}, &s.counts.all, groups[i]), s)
			}
		}
	}
	for _, r := range order {
		res.notice(Info, "%d of %d segments shown have no %s (e.g. %s): %s", byReason[r].n, len(segs), metric, byReason[r].example, strings.Replace(r, " there", " in the segment", 1))
	}
}

// ---------------------------------------------------------------- options

// noticeIgnoredOptions says which options of the query had no effect on its
// result although they apply to its type in general.
func noticeIgnoredOptions(res *Result, q *models.Query) {
	if q.QueryType == models.TypeBiasTrace && !q.OverTime && q.Interval != "" && q.Interval != "$__interval" {
		res.notice(Info, "interval %s is not used: a bias trace has buckets only with overTime; set overTime to see the metric per %s", q.Interval, q.Interval)
	}
}
