package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypeFairness, fairnessQuery)
}

// fairnessValueListLimit bounds the attribute values a notice lists.
const fairnessValueListLimit = 20

// fairnessNeedsActuals reports whether a fairness metric compares predictions
// with the ground truth; the others only look at predictions.
func fairnessNeedsActuals(metric string) bool {
	switch metric {
	case "equal_opportunity_difference", "average_odds_difference", "predictive_parity_ratio":
		return true
	}
	return false
}

// fairBucket holds one version's confusion counts in one bucket: over every
// record with a prediction (only the selections are used: a missing actual
// counts as not favourable there) and over the records with an actual.
type fairBucket struct {
	selProtected, selReference metrics.Confusion
	actProtected, actReference metrics.Confusion
}

// fairnessQuery compares a model's outcomes for a protected and a reference
// group of a categorical attribute, per version and bucket, from one store
// aggregate of confusion counts.
func fairnessQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	f := q.Fairness
	if f == nil {
		return nil, &models.QueryError{Option: "fairness", Msg: "a fairness query needs a fairness block: attribute, protected, reference, favorable"}
	}
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	attr, kind, err := resolveColumn(sch, "fairness.attribute", f.Attribute)
	if err != nil {
		return nil, err
	}
	if kind != store.Categorical {
		return nil, &models.QueryError{Option: "fairness.attribute", Msg: fmt.Sprintf("%s is %s; the protected attribute must be categorical (a tag or a categorical feature)", attr, kind)}
	}
	favorable := f.Favorable
	if favorable == "" {
		favorable = "1"
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	unfiltered := sc
	members := make([]store.Value, 0, len(f.Protected)+len(f.Reference))
	for _, v := range slices.Concat(f.Protected, f.Reference) {
		members = append(members, store.Str(v))
	}
	sc.Filters = append(slices.Clone(sc.Filters), store.Filter{Col: attr, Op: store.OpIn, Values: members})
	keys := []store.Key{
		{Kind: store.KeyBucket, Interval: q.IntervalDur},
		{Kind: store.KeyColumn, Col: colVersion},
		{Kind: store.KeyColumn, Col: attr},
		{Kind: store.KeyIn, Col: colPredLabel, Values: []string{favorable}},
		{Kind: store.KeyIn, Col: colActualLabel, Values: []string{favorable}},
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc, Keys: keys, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("fairness %s of model %q by %s: %w", q.Metric, q.Model, attr, err)
	}

	versions := map[string]map[int64]*fairBucket{}
	seen := map[string]bool{}
	var records, withActual, unpredicted int64
	for _, row := range agg.Rows {
		if len(row.Keys) != len(keys) || len(row.Measures) != 1 {
			return nil, fmt.Errorf("fairness %s of model %q: the store returned %d keys and %d measures, want %d and 1",
				q.Metric, q.Model, len(row.Keys), len(row.Measures), len(keys))
		}
		n := int64(row.Measures[0])
		value := row.Keys[2].Str
		protected := slices.Contains(f.Protected, value)
		if row.Keys[2].Null || (!protected && !slices.Contains(f.Reference, value)) {
			continue
		}
		seen[value] = true
		records += n
		pred, act := row.Keys[3], row.Keys[4]
		if !act.Null {
			withActual += n
		}
		if pred.Null {
			unpredicted += n
			continue
		}
		byBucket, ok := versions[row.Keys[1].Str]
		if !ok {
			byBucket = map[int64]*fairBucket{}
			versions[row.Keys[1].Str] = byBucket
		}
		b, ok := byBucket[row.Keys[0].Int]
		if !ok {
			b = &fairBucket{}
			byBucket[row.Keys[0].Int] = b
		}
		sel, actual := &b.selReference, &b.actReference
		if protected {
			sel, actual = &b.selProtected, &b.actProtected
		}
		addConfusion(sel, pred.Bool, !act.Null && act.Bool, n)
		if !act.Null {
			addConfusion(actual, pred.Bool, act.Bool, n)
		}
	}

	res := &Result{}
	res.meta("records", records)
	res.meta("recordsWithActuals", withActual)
	minGroup := int64(q.MinGroupSize)
	if minGroup <= 0 {
		minGroup = models.DefaultMinGroupSize
	}
	res.meta("minGroupSize", minGroup)
	alpha := 0.0
	if q.Confidence > 0 {
		alpha = 1 - q.Confidence
		res.meta("confidence", q.Confidence)
	}
	names := make([]string, 0, len(versions))
	for v := range versions {
		names = append(names, v)
	}
	sort.Strings(names)
	groups := []string{""}
	if q.Metric == "selection_rate" {
		groups = []string{"protected", "reference"}
	}
	var small, used int
	for _, version := range names {
		for _, group := range groups {
			ps, err := fairPoints(q.Metric, group, versions[version], minGroup, alpha)
			if err != nil {
				return nil, fmt.Errorf("fairness %s of model %q version %q: %w", q.Metric, q.Model, version, err)
			}
			if len(ps.value) == 0 {
				continue
			}
			small += ps.small
			used += len(ps.value)
			labels := []Label{{"model", q.Model}, {"version", version}}
			name := q.Metric + " " + version
			if q.Environment != "" {
				labels = append(labels, Label{"environment", q.Environment})
				name += " " + q.Environment
			}
			labels = append(labels, Label{"attribute", attr.String()}, Label{"metric", q.Metric})
			name += " " + attr.String()
			if group != "" {
				labels = append(labels, Label{"group", group})
				name += " " + group
			}
			if q.Bound == "" {
				res.Series = append(res.Series, Series{Name: name, Labels: labels, Unit: fairnessUnit(q.Metric), Points: ps.value})
			}
			if alpha == 0 {
				continue
			}
			level := strconv.FormatFloat(q.Confidence*100, 'g', -1, 64) + "%"
			for _, b := range []struct {
				bound  string
				points []Point
			}{{"lower", ps.lower}, {"upper", ps.upper}} {
				if q.Bound != "" && q.Bound != b.bound {
					continue
				}
				res.Series = append(res.Series, Series{
					Name:   name + " " + b.bound + " bound (" + level + ")",
					Labels: append(slices.Clone(labels), Label{"bound", b.bound}),
					Unit:   fairnessUnit(q.Metric), Points: b.points,
				})
			}
		}
	}
	res.meta("smallGroupPoints", small)
	if small > 0 {
		who := "the protected or the reference group"
		if q.Metric == "selection_rate" {
			who = "the group"
		}
		records := "records"
		if q.Metric == "equal_opportunity_difference" {
			records = fmt.Sprintf("records with a favourable actual (%q)", q.Fairness.Favorable)
		}
		res.notice(Info, "%d of %d points are absent: %s has fewer than %d %s there (minGroupSize; lower it, or use a longer interval, to see them)",
			small, used, who, minGroup, records)
	}

	if err := e.noticeUnseenValues(ctx, res, unfiltered, attr, f, seen); err != nil {
		return nil, err
	}
	if err := e.explainFairness(ctx, res, q, versions, groups, minGroup, sc); err != nil {
		return nil, err
	}
	switch {
	case records == 0:
		// noticeUnseenValues has said what the attribute holds.
	case fairnessNeedsActuals(q.Metric) && withActual == 0:
		res.notice(Warning, "none of the %s in the protected and reference groups has an actual yet; %s needs the ground truth", counted(records, "record", "records"), q.Metric)
	case fairnessNeedsActuals(q.Metric):
		res.notice(Info, "%s in the protected and reference groups; only those count", actualsPhrase(withActual, records))
	}
	if unpredicted > 0 {
		res.notice(Warning, "%s no predicted label and %s left out", counted(unpredicted, "record has", "records have"),
			map[bool]string{true: "is", false: "are"}[unpredicted == 1])
	}
	return res, nil
}

// fairSeries holds a version's points and, with a confidence level, its
// bounds; small counts the points left absent by the minimum group size.
type fairSeries struct {
	value, lower, upper []Point
	small               int
}

// fairPoints computes a version's metric per bucket, with its interval when
// alpha is set. A bucket counts when it has records the metric can use; an
// undefined value there, or one from a group under minGroup records, is a
// null point.
func fairPoints(metric, group string, buckets map[int64]*fairBucket, minGroup int64, alpha float64) (fairSeries, error) {
	starts := make([]int64, 0, len(buckets))
	for t := range buckets {
		starts = append(starts, t)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	var out fairSeries
	for _, t := range starts {
		b := buckets[t]
		v, used, err := b.value(metric, group)
		if err != nil {
			return fairSeries{}, err
		}
		if !used {
			continue
		}
		iv := metrics.Interval{Value: v}
		if alpha > 0 {
			if iv, err = b.interval(metric, group, alpha); err != nil {
				return fairSeries{}, err
			}
		}
		if b.tooSmall(metric, group, minGroup) {
			iv = metrics.Interval{}
			out.small++
		}
		at := bucketTime(t)
		out.value = append(out.value, Point{Time: at, Value: iv.Value})
		out.lower = append(out.lower, Point{Time: at, Value: iv.Lower})
		out.upper = append(out.upper, Point{Time: at, Value: iv.Upper})
	}
	return out, nil
}

// groupSizes returns the n of each group as METRICS.md "Uncertainty" counts
// it: records with a predicted label; favourable actuals for
// equal_opportunity_difference; records with an actual for the other metrics
// that need one.
func (b *fairBucket) groupSizes(metric string) (protected, reference int64) {
	switch {
	case metric == "equal_opportunity_difference":
		return b.actProtected.TP + b.actProtected.FN, b.actReference.TP + b.actReference.FN
	case fairnessNeedsActuals(metric):
		return b.actProtected.Total(), b.actReference.Total()
	}
	return b.selProtected.Total(), b.selReference.Total()
}

// tooSmall reports whether a group the metric compares has fewer than
// minGroup records (for selection_rate, the series' own group).
func (b *fairBucket) tooSmall(metric, group string, minGroup int64) bool {
	p, r := b.groupSizes(metric)
	switch group {
	case "protected":
		return p < minGroup
	case "reference":
		return r < minGroup
	}
	return p < minGroup || r < minGroup
}

// interval computes a metric with its confidence interval at level 1 − alpha.
func (b *fairBucket) interval(metric, group string, alpha float64) (metrics.Interval, error) {
	p, r := b.selProtected.Selection(), b.selReference.Selection()
	switch metric {
	case "disparate_impact":
		return metrics.RatioInterval(p.Selected, p.Rows, r.Selected, r.Rows, alpha)
	case "statistical_parity_difference":
		return metrics.DifferenceInterval(p.Selected, p.Rows, r.Selected, r.Rows, alpha)
	case "equal_opportunity_difference":
		ap, ar := b.actProtected, b.actReference
		return metrics.DifferenceInterval(ap.TP, ap.TP+ap.FN, ar.TP, ar.TP+ar.FN, alpha)
	case "selection_rate":
		if group == "protected" {
			return metrics.Wilson(p.Selected, p.Rows, alpha)
		}
		return metrics.Wilson(r.Selected, r.Rows, alpha)
	}
	return metrics.Interval{}, &models.QueryError{Option: "confidence", Msg: fmt.Sprintf("%s has no confidence interval; intervals exist for %s", metric, strings.Join(models.IntervalMetrics, ", "))}
}

// value computes a fairness metric from the counts; group picks the group of
// selection_rate. used is false when neither group has a record the metric
// can use.
func (b *fairBucket) value(metric, group string) (v metrics.Optional, used bool, err error) {
	protected, reference := b.selProtected, b.selReference
	if fairnessNeedsActuals(metric) {
		protected, reference = b.actProtected, b.actReference
	}
	if protected.Total()+reference.Total() == 0 {
		return metrics.Absent(), false, nil
	}
	s, err := metrics.Fairness(protected, reference)
	if err != nil {
		return metrics.Absent(), false, err
	}
	switch metric {
	case "disparate_impact":
		v = s.DisparateImpact
	case "statistical_parity_difference":
		v = s.StatisticalParityDifference
	case "equal_opportunity_difference":
		v = s.EqualOpportunityDifference
	case "average_odds_difference":
		v = s.AverageOddsDifference
	case "predictive_parity_ratio":
		v = s.PredictiveParityRatio
	case "selection_rate":
		v = s.SelectionRateReference
		if group == "protected" {
			v = s.SelectionRateProtected
		}
	default:
		return metrics.Absent(), false, fmt.Errorf("%q is not a fairness metric; one of %s", metric, strings.Join(models.Metrics[models.TypeFairness], ", "))
	}
	return v, true, nil
}

// noticeUnseenValues tells the user which protected or reference values never
// occur in the time range, listing the values the attribute does hold there.
func (e *Engine) noticeUnseenValues(ctx context.Context, res *Result, sc store.Scope, attr store.Column, f *models.Fairness, seen map[string]bool) error {
	unseenP := unseenValues(f.Protected, seen)
	unseenQ := unseenValues(f.Reference, seen)
	if len(unseenP) == 0 && len(unseenQ) == 0 {
		return nil
	}
	held, err := e.attributeValues(ctx, sc, attr)
	if err != nil {
		return err
	}
	for _, g := range []struct {
		option, group  string
		values, unseen []string
	}{{"fairness.protected", "protected", f.Protected, unseenP}, {"fairness.reference", "reference", f.Reference, unseenQ}} {
		if len(g.unseen) == 0 {
			continue
		}
		sev, consequence := Info, ""
		if len(g.unseen) == len(g.values) {
			sev, consequence = Warning, fmt.Sprintf(", so the %s group is empty", g.group)
		}
		res.notice(sev, "%s: no record in the time range has %s = %s%s; values seen: %s",
			g.option, attr, strings.Join(quoteAll(g.unseen), " or "), consequence, held)
	}
	return nil
}

// attributeValues lists the values an attribute holds in a scope, with counts.
func (e *Engine) attributeValues(ctx context.Context, sc store.Scope, attr store.Column) (string, error) {
	return e.valueCounts(ctx, sc, attr, fairnessValueListLimit, "values", false, "none (no records)")
}

func unseenValues(values []string, seen map[string]bool) []string {
	var out []string
	for _, v := range values {
		if !seen[v] {
			out = append(out, v)
		}
	}
	return out
}

func quoteAll(values []string) []string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf("%q", v)
	}
	return parts
}

func fairnessUnit(metric string) string {
	if metric == "selection_rate" {
		return "percentunit"
	}
	return "none"
}
