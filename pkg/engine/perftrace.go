package engine

// Performance tracing (METRICS.md "Performance tracing") ranks the segments
// that pull a performance metric down. A segment is the records where a traced
// feature has one value; numeric features are cut into the quantile bins of a
// reference as in bias tracing (the query's own records, or an environment's
// with reference {"type":"environment"}). Only records with an actual count.
// Each segment's contribution is how much removing it would improve the
// metric; segments under minCount records (default 30) are flagged too_small
// and not ranked. Versions in the scope are pooled.
//
// Store work: one aggregate per traced feature over the records with actuals,
// grouped by the feature's value or bin and what the metric needs (predicted
// and actual positive for label metrics, the score for AUC, presence of the
// values for regression), with additive measures; the totals are the sum of
// the first feature's segments. Rows outside a segment are the totals minus
// the segment, so no further pass is needed.
//
// Answer: the table "performance trace": feature, value, count, metric,
// contribution, too_small, ranked; meta holds the overall metric, the record
// count and whether higher is better.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypePerformanceTrace, performanceTraceQuery)
}

// PerformanceTraceTable is the table name of a performance trace answer.
const PerformanceTraceTable = "performance trace"

// ptSegment is a segment's additive statistics for the metric's family.
type ptSegment struct {
	feature, value string
	count          int64
	labels         metrics.LabelStats
	reg            metrics.RegressionSums
	ll             metrics.LogLossStats
	scores         map[float64]*metrics.ScoreCount
}

func (s *ptSegment) scoreCounts() []metrics.ScoreCount {
	out := make([]metrics.ScoreCount, 0, len(s.scores))
	for _, c := range s.scores {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b metrics.ScoreCount) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return 0
	})
	return out
}

func performanceTraceQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	family, ok := perfFamilies[q.Metric]
	if !ok {
		return nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%q is not a performance metric", q.Metric)}
	}
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
	if err := checkModelKind(q, family, tally); err != nil {
		return nil, err
	}
	features, err := traceFeatures(sch, q)
	if err != nil {
		return nil, err
	}
	minCount, limit := int64(q.MinCount), q.Limit
	if minCount == 0 {
		minCount = metrics.DefaultTraceMinCount
	}
	if limit == 0 {
		limit = biasTraceLimit
	}
	res := &Result{}
	bt := &biasTrace{e: e, q: q, features: features}
	if err := bt.binNumeric(ctx, sc, res); err != nil {
		return nil, err
	}
	sc.WithActual = true
	perFeature, err := traceSegments(ctx, e, q, sc, family, features)
	if err != nil {
		return nil, err
	}
	total := &ptSegment{scores: map[float64]*metrics.ScoreCount{}}
	for _, s := range perFeature[0] {
		addSegment(total, s)
	}
	var segs []*ptSegment
	for _, fs := range perFeature {
		segs = append(segs, fs...)
	}
	overall, ranked, err := tracePerformance(q.Metric, family, total, segs, minCount)
	if err != nil {
		return nil, fmt.Errorf("performance trace of model %q: %w", q.Model, err)
	}
	shown := ranked
	if len(shown) > limit {
		shown = shown[:limit]
		res.notice(Warning, "showing the first %d of %d segments (ranked first, then those under %d records); raise the limit option to see more", limit, len(ranked), minCount)
	}
	cols := []Column{{Name: "feature", Type: ColString}, {Name: "value", Type: ColString}, {Name: "count", Type: ColInt},
		{Name: "metric", Type: ColNumber}, {Name: "contribution", Type: ColNumber}, {Name: "too_small", Type: ColBool}}
	small := 0
	for _, s := range shown {
		row := []any{s.Feature, s.Value, s.Count, s.Metric, s.Contribution, s.TooSmall}
		for i := range cols {
			cols[i].Values = append(cols[i].Values, row[i])
		}
		if s.TooSmall {
			small++
		}
	}
	res.Tables = append(res.Tables, Table{Name: PerformanceTraceTable, Columns: cols})
	res.meta("metric", q.Metric)
	res.meta("overall", overall)
	res.meta("higherIsBetter", higherIsBetter(q.Metric))
	res.meta("records", tally.records)
	res.meta("recordsWithActuals", total.count)
	res.meta("segments", len(ranked))
	res.meta("minCount", minCount)
	switch {
	case tally.records == 0:
		res.notice(Info, "no records in the time range")
	case total.count == 0:
		res.notice(Warning, "none of the %s in the time range has an actual yet; a performance trace needs the ground truth", counted(tally.records, "record", "records"))
	default:
		res.notice(Info, "%s; only those count (overall %s %s)", actualsPhrase(total.count, tally.records), q.Metric, overall)
	}
	if small > 0 {
		res.notice(Info, "%d of the segments shown have fewer than %d records: they are flagged too_small and not ranked", small, minCount)
	}
	return res, nil
}

func higherIsBetter(metric string) bool {
	switch metric {
	case "log_loss", "rmse", "mae", "mape":
		return false
	}
	return true
}

// traceFeatures resolves the traced fields: the query's features, or every
// feature of the model.
func traceFeatures(sch *store.ModelSchema, q *models.Query) ([]*tracedFeature, error) {
	refs := []string(q.Features)
	options := make([]string, len(refs))
	for i := range refs {
		options[i] = fmt.Sprintf("features[%d]", i)
	}
	if len(refs) == 0 {
		for _, f := range sch.Features {
			refs = append(refs, "features."+f.Name)
			options = append(options, "features")
		}
		if len(refs) == 0 {
			return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("model %q has no feature to trace", sch.Name)}
		}
	}
	var out []*tracedFeature
	seen := map[store.Column]bool{}
	for i, ref := range refs {
		col, kind, err := resolveColumn(sch, options[i], ref)
		if err != nil {
			return nil, err
		}
		switch col.Kind {
		case store.ColPredLabel, store.ColPredScore, store.ColPredValue, store.ColActualLabel, store.ColActualValue:
			return nil, &models.QueryError{Option: options[i], Msg: fmt.Sprintf("%s is an outcome; trace features, tags, version or environment", col)}
		}
		if seen[col] {
			continue
		}
		seen[col] = true
		out = append(out, &tracedFeature{name: col.String(), col: col, kind: driftKind(kind)})
	}
	return out, nil
}

// traceSetFeatures bounds the features of one grouping-sets aggregate.
const traceSetFeatures = 16

// traceSegments reads every feature's segments: the features' keys and the
// outcome's in one aggregate of the store with a grouping set per feature
// (one pass over the records for up to traceSetFeatures features).
func traceSegments(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, family perfFamily, features []*tracedFeature) ([][]*ptSegment, error) {
	outcome, measures := traceOutcome(q, family)
	out := make([][]*ptSegment, 0, len(features))
	for start := 0; start < len(features); start += traceSetFeatures {
		chunk := features[start:min(start+traceSetFeatures, len(features))]
		req := store.AggregateRequest{Scope: sc, Measures: measures, MaxGroups: e.Limits.MaxGroups}
		for i, f := range chunk {
			req.Keys = append(req.Keys, f.key())
			set := []int{i}
			for j := range outcome {
				set = append(set, len(chunk)+j)
			}
			req.Sets = append(req.Sets, set)
		}
		req.Keys = append(req.Keys, outcome...)
		agg, err := e.Store.Aggregate(ctx, req)
		if errors.Is(err, store.ErrTooManyGroups) {
			// The group limit holds for each feature: past it together,
			// the features are read one by one.
			for _, f := range chunk {
				segs, err := traceOneFeature(ctx, e, q, sc, family, f, outcome, measures)
				if err != nil {
					return nil, err
				}
				out = append(out, segs)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("performance trace of model %q: %w", q.Model, err)
		}
		segs, err := traceRows(q, family, chunk, len(outcome), len(measures), agg.Rows)
		if err != nil {
			return nil, err
		}
		out = append(out, segs...)
	}
	return out, nil
}

// traceOneFeature reads one feature's segments with an aggregate of its own.
func traceOneFeature(ctx context.Context, e *Engine, q *models.Query, sc store.Scope, family perfFamily, f *tracedFeature, outcome []store.Key, measures []store.Measure) ([]*ptSegment, error) {
	keys := append([]store.Key{f.key()}, outcome...)
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: sc, Keys: keys, Measures: measures, MaxGroups: e.Limits.MaxGroups})
	if errors.Is(err, store.ErrTooManyGroups) {
		return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("%s has more than %d segments in the time range; trace fewer or coarser features", f.name, e.Limits.MaxGroups)}
	}
	if err != nil {
		return nil, fmt.Errorf("performance trace of model %q over %s: %w", q.Model, f.name, err)
	}
	segs, err := traceRows(q, family, []*tracedFeature{f}, len(outcome), len(measures), agg.Rows)
	if err != nil {
		return nil, err
	}
	return segs[0], nil
}

// traceOutcome gives the outcome keys and the measures a segment's metric
// is computed from.
func traceOutcome(q *models.Query, family perfFamily) ([]store.Key, []store.Measure) {
	positive := []string{q.Positive}
	switch family {
	case famLabels:
		return []store.Key{{Kind: store.KeyIn, Col: colPredLabel, Values: positive}, {Kind: store.KeyIn, Col: colActualLabel, Values: positive}},
			[]store.Measure{{Op: store.Count}, {Op: store.CountEqual, A: colPredLabel, B: colActualLabel}}
	case famAUC:
		return []store.Key{{Kind: store.KeyColumn, Col: colPredScore}, {Kind: store.KeyIn, Col: colActualLabel, Values: positive}},
			[]store.Measure{{Op: store.Count}}
	case famLogLoss:
		return []store.Key{{Kind: store.KeyIn, Col: colActualLabel, Values: positive}},
			[]store.Measure{{Op: store.Count}, {Op: store.SumLogLoss, A: colPredScore, B: colActualLabel, Positive: q.Positive}, {Op: store.CountNotNull, A: colPredScore}}
	}
	return []store.Key{{Kind: store.KeyBin, Col: colActualValue}, {Kind: store.KeyBin, Col: colPredValue}},
		[]store.Measure{{Op: store.Count},
			{Op: store.SumSqErr, A: colActualValue, B: colPredValue},
			{Op: store.SumAbsErr, A: colActualValue, B: colPredValue},
			{Op: store.SumAbsPctErr, A: colActualValue, B: colPredValue},
			{Op: store.Sum, A: colActualValue},
			{Op: store.SumSquares, A: colActualValue}}
}

// traceRows turns the rows of a traceSegments aggregate into each feature's
// segments, in the order the store gave them.
func traceRows(q *models.Query, family perfFamily, features []*tracedFeature, nOutcome, nMeasures int, rows []store.AggregateRow) ([][]*ptSegment, error) {
	nf := len(features)
	byValue := make([]map[string]*ptSegment, nf)
	order := make([][]*ptSegment, nf)
	for i := range byValue {
		byValue[i] = map[string]*ptSegment{}
	}
	for _, row := range rows {
		if len(row.Keys) != nf+nOutcome || len(row.Measures) != nMeasures || row.Set < 0 || row.Set >= nf {
			return nil, fmt.Errorf("performance trace of model %q: the store returned %d keys, %d measures and set %d, want %d, %d and one of %d", q.Model, len(row.Keys), len(row.Measures), row.Set, nf+nOutcome, nMeasures, nf)
		}
		f := features[row.Set]
		v := f.value(row.Keys[row.Set])
		s := byValue[row.Set][v]
		if s == nil {
			s = &ptSegment{feature: f.name, value: v, scores: map[float64]*metrics.ScoreCount{}}
			byValue[row.Set][v] = s
			order[row.Set] = append(order[row.Set], s)
		}
		n := int64(row.Measures[0])
		k := row.Keys[nf:]
		switch family {
		case famLabels:
			if k[0].Null || k[1].Null {
				continue
			}
			s.count += n
			s.labels.N += n
			s.labels.Correct += int64(row.Measures[1])
			addConfusion(&s.labels.Confusion, k[0].Bool, k[1].Bool, n)
		case famAUC:
			if k[0].Null || k[1].Null {
				continue
			}
			s.count += n
			c := s.scores[k[0].Num]
			if c == nil {
				c = &metrics.ScoreCount{Score: k[0].Num}
				s.scores[k[0].Num] = c
			}
			if k[1].Bool {
				c.Positives += float64(n)
			} else {
				c.Negatives += float64(n)
			}
		case famLogLoss:
			scored := int64(row.Measures[2])
			if k[0].Null || scored == 0 {
				continue
			}
			s.count += scored
			s.ll.Sum += row.Measures[1]
			s.ll.N += scored
		case famRegression:
			if k[0].Int != 0 || k[1].Int != 0 {
				continue
			}
			s.count += n
			r := &s.reg
			r.N += n
			r.SumSquaredError += row.Measures[1]
			r.SumAbsoluteError += row.Measures[2]
			r.SumAbsolutePercentageError += row.Measures[3]
			r.SumY += row.Measures[4]
			r.SumY2 += row.Measures[5]
		}
	}
	out := make([][]*ptSegment, nf)
	for i, segs := range order {
		for _, s := range segs {
			if s.count > 0 {
				out[i] = append(out[i], s)
			}
		}
	}
	return out, nil
}

// addSegment adds a segment's statistics into the totals.
func addSegment(total, s *ptSegment) {
	total.count += s.count
	total.labels.N += s.labels.N
	total.labels.Correct += s.labels.Correct
	c, d := &total.labels.Confusion, s.labels.Confusion
	c.TP, c.FP, c.FN, c.TN = c.TP+d.TP, c.FP+d.FP, c.FN+d.FN, c.TN+d.TN
	r, o := &total.reg, s.reg
	r.N += o.N
	r.SumY += o.SumY
	r.SumY2 += o.SumY2
	r.SumSquaredError += o.SumSquaredError
	r.SumAbsoluteError += o.SumAbsoluteError
	r.SumAbsolutePercentageError += o.SumAbsolutePercentageError
	total.ll.Sum += s.ll.Sum
	total.ll.N += s.ll.N
	for score, sc := range s.scores {
		t := total.scores[score]
		if t == nil {
			t = &metrics.ScoreCount{Score: score}
			total.scores[score] = t
		}
		t.Positives += sc.Positives
		t.Negatives += sc.Negatives
	}
}

// tracePerformance runs metrics.TracePerformance on the family's statistics.
func tracePerformance(metric string, family perfFamily, total *ptSegment, segs []*ptSegment, minCount int64) (metrics.Optional, []metrics.SegmentPerformance, error) {
	switch family {
	case famLabels:
		m, err := metrics.LabelTraceMetric(metric)
		if err != nil {
			return metrics.Optional{}, nil, err
		}
		return metrics.TracePerformance(total.labels, traceSegmentsOf(segs, func(s *ptSegment) metrics.LabelStats { return s.labels }), m, minCount)
	case famRegression:
		m, err := metrics.RegressionTraceMetric(metric)
		if err != nil {
			return metrics.Optional{}, nil, err
		}
		return metrics.TracePerformance(total.reg, traceSegmentsOf(segs, func(s *ptSegment) metrics.RegressionSums { return s.reg }), m, minCount)
	case famLogLoss:
		return metrics.TracePerformance(total.ll, traceSegmentsOf(segs, func(s *ptSegment) metrics.LogLossStats { return s.ll }), metrics.LogLossTraceMetric, minCount)
	case famAUC:
		return metrics.TracePerformance(total.scoreCounts(), traceSegmentsOf(segs, (*ptSegment).scoreCounts), metrics.AUCTraceMetric, minCount)
	}
	return metrics.Optional{}, nil, fmt.Errorf("metric %q cannot be traced", metric)
}

func traceSegmentsOf[S any](segs []*ptSegment, stats func(*ptSegment) S) []metrics.TraceSegment[S] {
	out := make([]metrics.TraceSegment[S], len(segs))
	for i, s := range segs {
		out[i] = metrics.TraceSegment[S]{Feature: s.feature, Value: s.value, Count: s.count, Stats: stats(s)}
	}
	return out
}
