package metrics

import (
	"cmp"
	"fmt"
	"slices"
)

// DefaultTraceMinCount is the segment size under which a performance-trace
// segment is reported as too small and not ranked.
const DefaultTraceMinCount = 30

// TraceSegment is one segment of a performance trace with its sufficient
// statistics S (a confusion matrix, regression sums …) over the records that
// have an actual.
type TraceSegment[S any] struct {
	Feature, Value string
	Count          int64
	Stats          S
}

// SegmentPerformance is a segment's metric and its contribution to the overall
// metric (METRICS.md "Performance tracing").
type SegmentPerformance struct {
	Feature      string
	Value        string
	Count        int64
	Metric       Optional // the metric inside the segment
	Contribution Optional // how much removing the segment would improve the metric
	TooSmall     bool     // fewer records than the minimum count: not ranked
}

// TraceMetric describes how to compute one metric from additive statistics.
type TraceMetric[S any] struct {
	// Value computes the metric from statistics.
	Value func(S) (Optional, error)
	// Subtract returns all − part (the rows outside a segment).
	Subtract func(all, part S) (S, error)
	// HigherIsBetter: accuracy, F1 …; false for errors (RMSE, MAE, log loss).
	HigherIsBetter bool
}

// TracePerformance computes each segment's metric and contribution: m(outside) −
// m(all) when higher is better, m(all) − m(outside) otherwise, so a positive
// contribution means removing the segment would improve the metric. Segments
// with fewer than minCount records are flagged too small. The result is ranked
// with RankPerformanceSegments.
func TracePerformance[S any](all S, segments []TraceSegment[S], m TraceMetric[S], minCount int64) (Optional, []SegmentPerformance, error) {
	overall, err := m.Value(all)
	if err != nil {
		return Optional{}, nil, fmt.Errorf("performance trace: %w", err)
	}
	out := make([]SegmentPerformance, len(segments))
	for i, s := range segments {
		inside, err := m.Value(s.Stats)
		if err != nil {
			return Optional{}, nil, fmt.Errorf("performance trace: segment %s=%q: %w", s.Feature, s.Value, err)
		}
		rest, err := m.Subtract(all, s.Stats)
		if err != nil {
			return Optional{}, nil, fmt.Errorf("performance trace: segment %s=%q: %w", s.Feature, s.Value, err)
		}
		outside, err := m.Value(rest)
		if err != nil {
			return Optional{}, nil, fmt.Errorf("performance trace: segment %s=%q: %w", s.Feature, s.Value, err)
		}
		c := difference(outside, overall)
		if !m.HigherIsBetter {
			c = difference(overall, outside)
		}
		out[i] = SegmentPerformance{Feature: s.Feature, Value: s.Value, Count: s.Count, Metric: inside, Contribution: c, TooSmall: s.Count < minCount}
	}
	RankPerformanceSegments(out)
	return overall, out, nil
}

// RankPerformanceSegments sorts segments: ranked ones first by contribution,
// largest first (absent contributions after present ones), then the too-small
// ones in the same order; ties by feature then value.
func RankPerformanceSegments(segments []SegmentPerformance) {
	slices.SortStableFunc(segments, func(a, b SegmentPerformance) int {
		switch {
		case a.TooSmall != b.TooSmall:
			if b.TooSmall {
				return -1
			}
			return 1
		case a.Contribution.ok != b.Contribution.ok:
			if a.Contribution.ok {
				return -1
			}
			return 1
		case a.Contribution.ok && a.Contribution.value != b.Contribution.value:
			return cmp.Compare(b.Contribution.value, a.Contribution.value)
		}
		return cmp.Or(cmp.Compare(a.Feature, b.Feature), cmp.Compare(a.Value, b.Value))
	})
}

// LabelStats are the additive statistics of the label metrics: rows, correct
// predictions (any number of classes) and the confusion matrix of the positive
// label.
type LabelStats struct {
	N, Correct int64
	Confusion  Confusion
}

// Sub returns s − o, failing when a count would turn negative.
func (s LabelStats) Sub(o LabelStats) (LabelStats, error) {
	r := LabelStats{N: s.N - o.N, Correct: s.Correct - o.Correct, Confusion: Confusion{
		TP: s.Confusion.TP - o.Confusion.TP, FP: s.Confusion.FP - o.Confusion.FP,
		FN: s.Confusion.FN - o.Confusion.FN, TN: s.Confusion.TN - o.Confusion.TN,
	}}
	if r.N < 0 || r.Correct < 0 || r.Correct > r.N || r.Confusion.validate() != nil {
		return LabelStats{}, fmt.Errorf("segment counts exceed the totals (%+v of %+v)", o, s)
	}
	return r, nil
}

// LabelTraceMetric returns the trace metric for accuracy, precision, recall or
// f1 over LabelStats.
func LabelTraceMetric(name string) (TraceMetric[LabelStats], error) {
	var value func(LabelStats) Optional
	switch name {
	case "accuracy":
		value = func(s LabelStats) Optional { return ratio(float64(s.Correct), float64(s.N)) }
	case "precision":
		value = func(s LabelStats) Optional { return precision(s.Confusion) }
	case "recall":
		value = func(s LabelStats) Optional { return truePositiveRate(s.Confusion) }
	case "f1":
		value = func(s LabelStats) Optional {
			c := s.Confusion
			return ratio(float64(2*c.TP), float64(2*c.TP+c.FP+c.FN))
		}
	default:
		return TraceMetric[LabelStats]{}, fmt.Errorf("%q is not a label metric", name)
	}
	return TraceMetric[LabelStats]{
		Value:          func(s LabelStats) (Optional, error) { return value(s), nil },
		Subtract:       LabelStats.Sub,
		HigherIsBetter: true,
	}, nil
}

// SubtractRegressionSums returns all − part; both must be taken about the same
// offset K.
func SubtractRegressionSums(all, part RegressionSums) (RegressionSums, error) {
	r := RegressionSums{
		N:                          all.N - part.N,
		SumY:                       all.SumY - part.SumY,
		SumY2:                      all.SumY2 - part.SumY2,
		SumSquaredError:            all.SumSquaredError - part.SumSquaredError,
		SumAbsoluteError:           all.SumAbsoluteError - part.SumAbsoluteError,
		SumAbsolutePercentageError: all.SumAbsolutePercentageError - part.SumAbsolutePercentageError,
	}
	if r.N < 0 {
		return RegressionSums{}, fmt.Errorf("segment has more rows (%d) than the total (%d)", part.N, all.N)
	}
	// Differences of sums of non-negative terms may land a few ulps below zero.
	for _, v := range []*float64{&r.SumY2, &r.SumSquaredError, &r.SumAbsoluteError, &r.SumAbsolutePercentageError} {
		if *v < 0 {
			*v = 0
		}
	}
	if r.N == 0 {
		r = RegressionSums{}
	}
	return r, nil
}

// RegressionTraceMetric returns the trace metric for rmse, mae, mape or r2 over
// RegressionSums.
func RegressionTraceMetric(name string) (TraceMetric[RegressionSums], error) {
	pick := map[string]func(RegressionScores) Optional{
		"rmse": func(s RegressionScores) Optional { return s.RMSE },
		"mae":  func(s RegressionScores) Optional { return s.MAE },
		"mape": func(s RegressionScores) Optional { return s.MAPE },
		"r2":   func(s RegressionScores) Optional { return s.R2 },
	}[name]
	if pick == nil {
		return TraceMetric[RegressionSums]{}, fmt.Errorf("%q is not a regression metric", name)
	}
	return TraceMetric[RegressionSums]{
		Value: func(s RegressionSums) (Optional, error) {
			r, err := Regression(s)
			return pick(r), err
		},
		Subtract:       SubtractRegressionSums,
		HigherIsBetter: name == "r2",
	}, nil
}

// LogLossStats are the additive statistics of the log loss: the sum of the
// per-record negative log-likelihoods and the record count.
type LogLossStats struct {
	Sum float64
	N   int64
}

// LogLossTraceMetric is the trace metric of the log loss (lower is better).
var LogLossTraceMetric = TraceMetric[LogLossStats]{
	Value: func(s LogLossStats) (Optional, error) { return LogLossFromSum(s.Sum, s.N), nil },
	Subtract: func(all, part LogLossStats) (LogLossStats, error) {
		if part.N > all.N {
			return LogLossStats{}, fmt.Errorf("segment has more rows (%d) than the total (%d)", part.N, all.N)
		}
		return LogLossStats{Sum: max(all.Sum-part.Sum, 0), N: all.N - part.N}, nil
	},
}

// AUCTraceMetric is the trace metric of the ROC AUC over score counts (higher is
// better); subtracting merges the lists by score.
var AUCTraceMetric = TraceMetric[[]ScoreCount]{
	Value: AUC,
	Subtract: func(all, part []ScoreCount) ([]ScoreCount, error) {
		rest := map[float64]ScoreCount{}
		for _, c := range all {
			r := rest[c.Score]
			r.Score = c.Score
			r.Positives += c.Positives
			r.Negatives += c.Negatives
			rest[c.Score] = r
		}
		for _, c := range part {
			r, ok := rest[c.Score]
			if !ok || r.Positives < c.Positives || r.Negatives < c.Negatives {
				return nil, fmt.Errorf("segment score %v has more rows than the total", c.Score)
			}
			r.Positives -= c.Positives
			r.Negatives -= c.Negatives
			rest[c.Score] = r
		}
		out := make([]ScoreCount, 0, len(rest))
		for _, r := range rest {
			out = append(out, r)
		}
		slices.SortFunc(out, compareScores)
		return out, nil
	},
	HigherIsBetter: true,
}
