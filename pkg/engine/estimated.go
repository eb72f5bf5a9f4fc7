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
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypeEstimatedPerformance, estimatedPerformanceQuery)
}

// estMaxPieces is the most calibration points sent as a bin key's edges (the
// limit every store accepts); past it the current records are grouped by
// distinct score.
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
	tally, err := aucProbe(ctx, e, q, sc)
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
	versions, err := estimatedVersions(ctx, e, q, sc)
	if err != nil {
		return nil, err
	}
	series := map[string]map[int64]*estBucket{}
	var counted int64
	var fits []string
	for _, v := range versions {
		vsc := sc
		vsc.Versions = []string{v}
		est := estimator{}
		if q.Calibration == "isotonic" {
			if est, err = calibrate(ctx, e, q, vsc, v, res); err != nil {
				return nil, err
			}
			fits = append(fits, fmt.Sprintf("%s on %s (%d points)", v, est.desc, len(est.fit.X)))
		}
		n, err := estimateVersion(ctx, e, q, vsc, est, series)
		if err != nil {
			return nil, err
		}
		counted += n
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

// estimateVersion adds one version's expected counts per bucket to series and
// returns how many records it counted.
func estimateVersion(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, est estimator, series map[string]map[int64]*estBucket) (int64, error) {
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
	byPiece := q.Metric != "auc" && (est.fit == nil || len(est.fit.X) <= estMaxPieces)
	if byPiece {
		var edges []float64 // none: a presence key (0 with a score, −1 without)
		if est.fit != nil {
			edges = est.fit.X
		}
		agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
			Scope:     sc,
			Keys:      append(base, positive, store.Key{Kind: store.KeyBin, Col: colPredScore, Edges: edges}),
			Measures:  []store.Measure{{Op: store.Count}, {Op: store.Sum, A: colPredScore}},
			MaxGroups: e.Limits.MaxGroups,
		})
		if err != nil {
			return 0, fmt.Errorf("estimated %s of model %q: %w", q.Metric, q.Model, err)
		}
		for _, row := range agg.Rows {
			if len(row.Keys) != 4 || len(row.Measures) != 2 {
				return 0, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want 4 and 2", q.Metric, q.Model, len(row.Keys), len(row.Measures))
			}
			if row.Keys[2].Null || row.Keys[3].Int < 0 {
				continue // no predicted label or no score
			}
			n, sum := row.Measures[0], row.Measures[1]
			sumP := sum
			if est.fit != nil {
				origin, b, slope := est.fit.Segment(int(row.Keys[3].Int))
				sumP = n*b + slope*(sum-n*origin)
			}
			sumP = min(max(sumP, 0), n)
			if est.fit == nil && (sum < 0 || sum > n) {
				return 0, scoreRangeError(q)
			}
			addExpected(bucketOf(row.Keys), row.Keys[2].Bool, int64(n), sumP)
			counted += int64(n)
		}
	} else {
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
			s, n := row.Keys[3].Num, row.Measures[0]
			p := est.p(s)
			if est.fit == nil && (s < 0 || s > 1) {
				return 0, scoreRangeError(q)
			}
			b := bucketOf(row.Keys)
			addExpected(b, row.Keys[2].Bool, int64(n), n*p)
			b.scores = append(b.scores, metrics.ExpectedScoreCount{Score: s, Count: n, SumP: n * p})
			counted += int64(n)
		}
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

// estimatedVersions lists the versions in the current scope that have records.
func estimatedVersions(ctx context.Context, e *Engine, q *models.Query, sc store.Scope) ([]string, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc, Keys: []store.Key{{Kind: store.KeyColumn, Col: colVersion}}, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("estimated %s of model %q: listing versions: %w", q.Metric, q.Model, err)
	}
	var out []string
	for _, row := range agg.Rows {
		if !row.Keys[0].Null {
			out = append(out, row.Keys[0].Str)
		}
	}
	sort.Strings(out)
	return out, nil
}

// estimatedReference returns the records the calibration of one version is
// fitted on: the query's reference, else that version's records in the
// validation environment when it has some with actuals and scores, else its
// training records.
func estimatedReference(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, version string) (driftRef, error) {
	if q.Reference != nil && q.Reference.Type != "" {
		ref := driftReferenceOf(q, sc)
		ref.scope.WithActual = true
		return ref, nil
	}
	var last driftRef
	for _, env := range []string{"validation", "training"} {
		qq := *q
		qq.Reference = &models.Reference{Type: "environment", Environment: env, Version: version}
		ref := driftReferenceOf(&qq, sc)
		ref.scope.WithActual = true
		agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: ref.scope, Measures: []store.Measure{{Op: store.CountNotNull, A: colPredScore}}})
		if err != nil {
			return driftRef{}, fmt.Errorf("estimated %s of model %q: counting the %s records: %w", q.Metric, q.Model, env, err)
		}
		if len(agg.Rows) > 0 && agg.Rows[0].Measures[0] > 0 {
			return ref, nil
		}
		last = ref
	}
	last.desc = "environment validation or training, version " + version
	return last, nil
}

// calibrate fits the isotonic map on the reference's scores and actual classes.
func calibrate(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, version string, res *Result) (estimator, error) {
	ref, err := estimatedReference(ctx, e, q, sc, version)
	if err != nil {
		return estimator{}, err
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     ref.scope,
		Keys:      []store.Key{{Kind: store.KeyColumn, Col: colPredScore}, {Kind: store.KeyIn, Col: colActualLabel, Values: []string{q.Positive}}},
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: e.Limits.MaxGroups,
	})
	if errors.Is(err, store.ErrTooManyGroups) {
		return estimator{}, &models.QueryError{Option: "reference", Msg: fmt.Sprintf(
			"the calibration reads the reference's actual classes per distinct score, and %s has more than %d distinct scores; choose a smaller reference", ref.desc, e.Limits.MaxGroups)}
	}
	if err != nil {
		return estimator{}, fmt.Errorf("estimated %s of model %q: calibration on %s: %w", q.Metric, q.Model, ref.desc, err)
	}
	var points []metrics.WeightedPoint
	var n, positives int64
	for _, row := range agg.Rows {
		if len(row.Keys) != 2 || len(row.Measures) != 1 {
			return estimator{}, fmt.Errorf("estimated %s of model %q: the store returned %d keys and %d measures, want 2 and 1", q.Metric, q.Model, len(row.Keys), len(row.Measures))
		}
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
			"no reference records with an actual and a score to calibrate version %s on (%s); ingest labelled validation or training records, set reference to records that have actuals, or use calibration none", version, ref.desc)}
	}
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
		res.notice(Warning, "%s the positive label %q (%s), so every calibrated probability is %d; check the query's positive label", which, q.Positive, ref.desc, positives/n)
	}
	return estimator{fit: &fit, desc: ref.desc}, nil
}

// metaInt reads an integer already in the result's meta, 0 when absent.
func metaInt(res *Result, key string) int64 {
	v, _ := res.Meta[key].(int64)
	return v
}
