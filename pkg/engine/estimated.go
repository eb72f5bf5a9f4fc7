package engine

// Estimated performance (METRICS.md "Estimated performance"): a binary
// classifier's accuracy, precision, recall, F1 and AUC per version and bucket,
// estimated from its scores without actuals (confidence-based performance
// estimation). The scores are calibrated on reference records that have an
// actual (isotonic regression, or none), and each current record counts as a
// true or false positive or negative with its calibrated probability.
//
// Store work, three aggregates at most:
//   - a probe of the current records: how many have a label, a score, a value;
//   - the reference's actual classes per distinct score (the isotonic fit; not
//     needed with calibration "none");
//   - the current records grouped by (bucket, version, predicted positive, the
//     linear piece of the calibration map their score falls in): the count and
//     the sum of the scores of each group give the exact sum of the calibrated
//     probabilities, since the map is linear on each piece. AUC instead groups
//     by distinct score (ties matter to a ROC curve), as does a calibration map
//     with more pieces than a bin key takes.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypeEstimatedPerformance, estimatedPerformanceQuery)
}

// estMaxPieces is the most calibration points of a version the store
// interpolates (Store.Aggregate's SumInterp, a tree of conditionals of that
// many leaves); past it the current records are grouped by distinct score.
const estMaxPieces = 512

// estimator maps scores to calibrated probabilities.
type estimator struct {
	fit  *metrics.Isotonic // nil: calibration none
	desc string            // the reference the fit came from
}

func (c estimator) p(score float64) float64 {
	if c.fit == nil {
		return score
	}
	return c.fit.Predict(score)
}

// estBucket accumulates one version's bucket.
type estBucket struct {
	conf   metrics.ExpectedConfusion
	scores []metrics.ExpectedScoreCount
}

func estimatedPerformanceQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	tally, versions, err := estimatedProbe(ctx, e, q, sc)
	if err != nil {
		return nil, err
	}
	switch {
	case tally.predScores == 0 && tally.predValues > 0:
		return nil, &models.QueryError{Option: "queryType", Msg: fmt.Sprintf(
			"estimatedPerformance estimates the metrics of a binary classifier from its scores, and model %q is a regression model (its predictions carry values); use a performance query with rmse, mae, mape or r2 once actuals arrive", q.Model)}
	case tally.predScores == 0 && tally.records > 0:
		return nil, &models.QueryError{Option: "queryType", Msg: fmt.Sprintf(
			"estimatedPerformance needs prediction scores (the probability of the positive label), and the predictions of model %q in the time range carry none", q.Model)}
	}
	res := &Result{}
	series := map[string]map[int64]*estBucket{}
	ests := map[string]estimator{}
	var fits []string
	if q.Calibration == "isotonic" {
		if ests, err = calibrateAll(ctx, e, q, sc, versions, res); err != nil {
			return nil, err
		}
		for _, v := range versions {
			fits = append(fits, fmt.Sprintf("%s on %s (%d points)", v, ests[v].desc, len(ests[v].fit.X)))
		}
	} else {
		for _, v := range versions {
			ests[v] = estimator{}
		}
	}
	counted, err := estimateAll(ctx, e, q, sc, ests, series)
	if err != nil {
		return nil, err
	}
	if len(fits) > 0 {
		res.meta("calibrations", fits)
		res.notice(Info, "isotonic calibration of each version: %s", strings.Join(fits, "; "))
	}
	for _, v := range versions {
		if series[v] == nil {
			continue
		}
		starts := make([]int64, 0, len(series[v]))
		for t := range series[v] {
			starts = append(starts, t)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		points := make([]Point, 0, len(starts))
		for _, t := range starts {
			val, err := estimatedValue(q.Metric, series[v][t])
			if err != nil {
				return nil, fmt.Errorf("estimated %s of model %q version %q: %w", q.Metric, q.Model, v, err)
			}
			points = append(points, Point{Time: bucketTime(t), Value: val})
		}
		labels := []Label{{"model", q.Model}, {"version", v}}
		if q.Environment != "" {
			labels = append(labels, Label{"environment", q.Environment})
		}
		labels = append(labels, Label{"metric", q.Metric}, Label{"estimated", "true"})
		res.Series = append(res.Series, Series{Name: "estimated " + q.Metric + " " + v, Labels: labels, Unit: perfUnit(q.Metric), Points: points})
	}
	res.meta("records", tally.records)
	res.meta("recordsEstimated", counted)
	res.meta("calibration", q.Calibration)
	switch {
	case tally.records == 0:
		res.notice(Info, "no records in the time range")
	case counted < tally.records:
		res.notice(Info, "%s without a score or a predicted label left out of the estimate", counted64(tally.records-counted))
	}
	return res, nil
}

// estimateAll adds every version's expected counts per bucket to series in one
// pass over the current records and returns how many records it counted. The
// label metrics group by the linear pieces of the union of the versions'
// calibration points (each union piece lies inside one piece of every
// version's map, so each version's sum stays exact); AUC, or a union past the
// bin-key limit, groups by distinct score.
func estimateAll(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, ests map[string]estimator, series map[string]map[int64]*estBucket) (int64, error) {
	bucketOf := func(keys []store.KeyValue) *estBucket {
		v := keyLabel(keys[1])
		if series[v] == nil {
			series[v] = map[int64]*estBucket{}
		}
		b := series[v][keys[0].Int]
		if b == nil {
			b = &estBucket{}
			series[v][keys[0].Int] = b
		}
		return b
	}
	base := []store.Key{{Kind: store.KeyBucket, Interval: q.IntervalDur}, {Kind: store.KeyColumn, Col: colVersion}}
	positive := store.Key{Kind: store.KeyIn, Col: colPredLabel, Values: []string{q.Positive}}
	var counted int64
	versions := slices.Sorted(maps.Keys(ests))
	small := true
	for _, est := range ests {
		small = small && (est.fit == nil || len(est.fit.X) <= estMaxPieces)
	}
	if q.Metric != "auc" && small {
		// One aggregate per version: per (bucket, predicted positive) its
		// scores counted and the sum of their calibrated probabilities.
		for _, v := range versions {
			sum := store.Measure{Op: store.Sum, A: colPredScore}
			if fit := ests[v].fit; fit != nil {
				sum = store.Measure{Op: store.SumInterp, A: colPredScore, Knots: fit.X, At: fit.Y}
			}
			vsc := sc
			vsc.Versions = []string{v}
			agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
				Scope:     vsc,
				Keys:      append(base, positive),
				Measures:  []store.Measure{{Op: store.CountNotNull, A: colPredScore}, sum},
				MaxGroups: e.Limits.MaxGroups,
			})
			if err != nil {
				return 0, fmt.Errorf("estimated %s of model %q, version %q: %w", q.Metric, q.Model, v, err)
			}
			for _, row := range agg.Rows {
				if len(row.Keys) != 3 || len(row.Measures) != 2 {
					return 0, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want 3 and 2", q.Metric, q.Model, len(row.Keys), len(row.Measures))
				}
				n, sumP := row.Measures[0], row.Measures[1]
				if row.Keys[2].Null || n == 0 {
					continue // no predicted label or no score
				}
				if ests[v].fit == nil && (sumP < 0 || sumP > n) {
					return 0, scoreRangeError(q)
				}
				sumP = min(max(sumP, 0), n)
				addExpected(bucketOf(row.Keys), row.Keys[2].Bool, int64(n), sumP)
				counted += int64(n)
			}
		}
		return counted, nil
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     sc,
		Keys:      append(base, positive, store.Key{Kind: store.KeyColumn, Col: colPredScore}),
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: e.Limits.MaxGroups,
	})
	if errors.Is(err, store.ErrTooManyGroups) {
		return 0, &models.QueryError{Option: "metric", Msg: fmt.Sprintf(
			"estimated %s groups the records by distinct score, and model %q has more than %d (bucket, version, score) groups in the time range; narrow the time range or use a longer interval", q.Metric, q.Model, e.Limits.MaxGroups)}
	}
	if err != nil {
		return 0, fmt.Errorf("estimated %s of model %q: %w", q.Metric, q.Model, err)
	}
	for _, row := range agg.Rows {
		if len(row.Keys) != 4 || len(row.Measures) != 1 {
			return 0, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want 4 and 1", q.Metric, q.Model, len(row.Keys), len(row.Measures))
		}
		if row.Keys[2].Null || row.Keys[3].Null {
			continue
		}
		est, ok := ests[keyLabel(row.Keys[1])]
		if !ok {
			continue
		}
		s, n := row.Keys[3].Num, row.Measures[0]
		if est.fit == nil && (s < 0 || s > 1) {
			return 0, scoreRangeError(q)
		}
		p := est.p(s)
		b := bucketOf(row.Keys)
		addExpected(b, row.Keys[2].Bool, int64(n), n*p)
		b.scores = append(b.scores, metrics.ExpectedScoreCount{Score: s, Count: n, SumP: n * p})
		counted += int64(n)
	}
	return counted, nil
}

func counted64(n int64) string { return counted(n, "record", "records") }

func scoreRangeError(q *models.Query) error {
	return &models.QueryError{Option: "calibration", Msg: fmt.Sprintf(
		"with calibration none the scores are taken as probabilities, and model %q has scores outside [0, 1]; use calibration isotonic", q.Model)}
}

func addExpected(b *estBucket, predictedPositive bool, n int64, sumP float64) {
	if predictedPositive {
		b.conf.TP += sumP
		b.conf.FP += float64(n) - sumP
	} else {
		b.conf.FN += sumP
		b.conf.TN += float64(n) - sumP
	}
	b.conf.N += n
}

func estimatedValue(metric string, b *estBucket) (metrics.Optional, error) {
	if metric == "auc" {
		return metrics.ExpectedAUC(b.scores)
	}
	s := metrics.Estimated(b.conf)
	switch metric {
	case "accuracy":
		return s.Accuracy, nil
	case "precision":
		return s.Precision, nil
	case "recall":
		return s.Recall, nil
	case "f1":
		return s.F1, nil
	}
	return metrics.Optional{}, fmt.Errorf("metric %q has no estimate", metric)
}

// estimatedProbe counts, in one pass over the current records, what their
// predictions carry (labels, scores, values) and lists the versions that have
// records.
func estimatedProbe(ctx context.Context, e *Engine, q *models.Query, sc store.Scope) (perfTally, []string, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc, Keys: []store.Key{{Kind: store.KeyColumn, Col: colVersion}},
		Measures: []store.Measure{
			{Op: store.Count},
			{Op: store.CountNotNull, A: colPredLabel},
			{Op: store.CountNotNull, A: colPredScore},
			{Op: store.CountNotNull, A: colPredValue},
		},
		MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return perfTally{}, nil, fmt.Errorf("estimated %s of model %q: counting records: %w", q.Metric, q.Model, err)
	}
	var t perfTally
	var versions []string
	for _, r := range agg.Rows {
		if len(r.Keys) != 1 || len(r.Measures) != 4 {
			return perfTally{}, nil, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want 1 and 4", q.Metric, q.Model, len(r.Keys), len(r.Measures))
		}
		t.records += int64(r.Measures[0])
		t.predLabels += int64(r.Measures[1])
		t.predScores += int64(r.Measures[2])
		t.predValues += int64(r.Measures[3])
		if !r.Keys[0].Null && r.Measures[2] > 0 {
			versions = append(versions, r.Keys[0].Str)
		}
	}
	sort.Strings(versions)
	return t, versions, nil
}

// calibrateAll fits each version's isotonic map: on the query's reference
// when it has one, else on the version's validation records with actuals,
// else its training ones. The default reads every version's reference in one
// aggregate per environment.
func calibrateAll(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, versions []string, res *Result) (map[string]estimator, error) {
	out := map[string]estimator{}
	if q.Reference != nil && q.Reference.Type != "" {
		for _, v := range versions {
			vsc := sc
			vsc.Versions = []string{v}
			ref := driftReferenceOf(q, vsc)
			ref.scope.WithActual = true
			rows, err := referenceScores(ctx, e, q, ref, false)
			if err != nil {
				return nil, err
			}
			est, err := fitVersion(q, v, ref.desc, rows[""], res)
			if err != nil {
				return nil, err
			}
			out[v] = est
		}
		return out, nil
	}
	pending := slices.Clone(versions)
	var desc string
	for _, env := range []string{"validation", "training"} {
		if len(pending) == 0 {
			break
		}
		qq := *q
		qq.Reference = &models.Reference{Type: "environment", Environment: env}
		ref := driftReferenceOf(&qq, sc)
		ref.scope.WithActual = true
		ref.scope.Versions = pending
		rows, err := referenceScores(ctx, e, q, ref, true)
		if err != nil {
			return nil, err
		}
		var rest []string
		for _, v := range pending {
			if len(rows[v]) == 0 {
				rest = append(rest, v)
				continue
			}
			est, err := fitVersion(q, v, ref.desc+", version "+v, rows[v], res)
			if err != nil {
				return nil, err
			}
			out[v] = est
		}
		pending, desc = rest, ref.desc
	}
	if len(pending) > 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf(
			"no reference records with an actual and a score to calibrate version %s on (environment validation or training, %s); ingest labelled validation or training records, set reference to records that have actuals, or use calibration none", pending[0], desc)}
	}
	return out, nil
}

// referenceScores reads the reference's actual classes per distinct score, by
// version when byVersion is set (else under the key "").
func referenceScores(ctx context.Context, e *Engine, q *models.Query, ref driftRef, byVersion bool) (map[string][]store.AggregateRow, error) {
	keys := []store.Key{{Kind: store.KeyColumn, Col: colPredScore}, {Kind: store.KeyIn, Col: colActualLabel, Values: []string{q.Positive}}}
	if byVersion {
		keys = append([]store.Key{{Kind: store.KeyColumn, Col: colVersion}}, keys...)
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: ref.scope, Keys: keys, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: e.Limits.MaxGroups})
	if errors.Is(err, store.ErrTooManyGroups) {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf(
			"the calibration reads the reference's actual classes per distinct score, and %s has more than %d distinct scores; choose a smaller reference", ref.desc, e.Limits.MaxGroups)}
	}
	if err != nil {
		return nil, fmt.Errorf("estimated %s of model %q: calibration on %s: %w", q.Metric, q.Model, ref.desc, err)
	}
	out := map[string][]store.AggregateRow{}
	for _, row := range agg.Rows {
		if len(row.Keys) != len(keys) || len(row.Measures) != 1 {
			return nil, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want %d and 1", q.Metric, q.Model, len(row.Keys), len(row.Measures), len(keys))
		}
		v := ""
		if byVersion {
			v = keyLabel(row.Keys[0])
			row.Keys = row.Keys[1:]
		}
		out[v] = append(out[v], row)
	}
	return out, nil
}

// fitVersion fits one version's isotonic map on its reference rows (keys:
// score, actual positive; measure: count), sorted by score.
func fitVersion(q *models.Query, version, desc string, rows []store.AggregateRow, res *Result) (estimator, error) {
	var points []metrics.WeightedPoint
	var n, positives int64
	for _, row := range rows {
		if row.Keys[0].Null || row.Keys[1].Null {
			continue
		}
		c := row.Measures[0]
		y := 0.0
		if row.Keys[1].Bool {
			y = 1
			positives += int64(c)
		}
		n += int64(c)
		// Group by score with y pooled: the weighted mean scikit-learn's
		// _make_unique takes over equal scores.
		if k := len(points) - 1; k >= 0 && points[k].X == row.Keys[0].Num {
			p := &points[k]
			p.Y = (p.Y*p.W + y*c) / (p.W + c)
			p.W += c
			continue
		}
		points = append(points, metrics.WeightedPoint{X: row.Keys[0].Num, Y: y, W: c})
	}
	if n == 0 {
		return estimator{}, &models.QueryError{Option: "reference", Msg: fmt.Sprintf(
			"no reference records with an actual and a score to calibrate version %s on (%s); ingest labelled validation or training records, set reference to records that have actuals, or use calibration none", version, desc)}
	}
	slices.SortStableFunc(points, func(a, b metrics.WeightedPoint) int { return cmp.Compare(a.X, b.X) })
	fit, err := metrics.FitIsotonic(points, 0, 1)
	if err != nil {
		return estimator{}, fmt.Errorf("estimated %s of model %q: %w", q.Metric, q.Model, err)
	}
	res.meta("referenceRecords", n+metaInt(res, "referenceRecords"))
	if positives == 0 || positives == n {
		which := "none of the reference records' actuals is"
		if positives == n {
			which = "every reference record's actual is"
		}
		res.notice(Warning, "%s the positive label %q (%s), so every calibrated probability is %d; check the query's positive label", which, q.Positive, desc, positives/n)
	}
	return estimator{fit: &fit, desc: desc}, nil
}

// metaInt reads an integer already in the result's meta, 0 when absent.
func metaInt(res *Result, key string) int64 {
	v, _ := res.Meta[key].(int64)
	return v
}
