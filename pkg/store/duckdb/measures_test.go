package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// labelled returns a classification record; an empty actual means none yet.
func labelled(i int, pred string, score float64, act string) store.Record {
	r := store.Record{
		Line: i + 1, Model: "clf", ID: fmt.Sprintf("r%d", i), Version: "v1", Environment: "production",
		Time:       t0.Add(time.Duration(i) * time.Second),
		Prediction: store.Outcome{Label: pred, HasLabel: true, Score: score, HasScore: true},
	}
	if act != "" {
		r.Actual = store.Outcome{Label: act, HasLabel: true}
		r.ActualTime = r.Time
	}
	return r
}

func TestCountEqualCountsMatchingLabels(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	// Multi-class: equality of labels, not membership of a positive class.
	rows := []struct{ pred, act string }{
		{"0", "0"}, {"1", "1"}, {"2", "2"}, {"2", "0"}, {"0", "2"}, {"1", "0"}, {"2", ""}, {"1", ""},
	}
	var batch []store.Record
	for i, r := range rows {
		batch = append(batch, labelled(i, r.pred, 0.5, r.act))
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "clf", From: t0, To: t0.Add(time.Hour)}
	res, err := s.Aggregate(ctx, store.AggregateRequest{
		Scope: sc,
		Measures: []store.Measure{
			{Op: store.Count},
			{Op: store.CountEqual, A: store.Column{Kind: store.ColPredLabel}, B: store.Column{Kind: store.ColActualLabel}},
			{Op: store.CountNotNull, A: store.Column{Kind: store.ColActualLabel}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("rows: %+v", res.Rows)
	}
	if got := res.Rows[0].Measures; got[0] != 8 || got[1] != 3 || got[2] != 6 {
		t.Fatalf("count, equal, with actual = %v, want [8 3 6]", got)
	}

	_, err = s.Aggregate(ctx, store.AggregateRequest{
		Scope:    sc,
		Measures: []store.Measure{{Op: store.CountEqual, A: store.Column{Kind: store.ColPredLabel}, B: store.Column{Kind: store.ColPredScore}}},
	})
	if !errors.Is(err, store.ErrTypeMismatch) {
		t.Fatalf("comparing a label with a score: want a type mismatch, got %v", err)
	}
}

func TestSumLogLossClipsLikeMetrics(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	// Scores of exactly 0 and 1 on the wrong side make the clip decide the sum.
	rows := []struct {
		score float64
		act   string
	}{{0, "1"}, {1, "0"}, {0, "0"}, {1, "1"}, {0.3, "1"}, {0.8, "0"}, {1e-17, "1"}, {0.5, ""}}
	var batch []store.Record
	var scores []float64
	var positive []bool
	for i, r := range rows {
		batch = append(batch, labelled(i, "1", r.score, r.act))
		if r.act != "" {
			scores = append(scores, r.score)
			positive = append(positive, r.act == "1")
		}
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Aggregate(ctx, store.AggregateRequest{
		Scope: store.Scope{Model: "clf", From: t0, To: t0.Add(time.Hour), WithActual: true},
		Measures: []store.Measure{
			{Op: store.SumLogLoss, A: store.Column{Kind: store.ColPredScore}, B: store.Column{Kind: store.ColActualLabel}, Positive: "1"},
			{Op: store.Count},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := metrics.ScoreCountsOf(scores, positive)
	if err != nil {
		t.Fatal(err)
	}
	want, err := metrics.LogLoss(counts)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := want.Get()
	got := metrics.LogLossFromSum(res.Rows[0].Measures[0], int64(res.Rows[0].Measures[1]))
	g, ok := got.Get()
	if !ok || math.Abs(g-w) > 1e-12*math.Abs(w) {
		t.Fatalf("log loss from SQL = %v, from metrics = %v", got, want)
	}
}

func TestBinKeyWithoutEdgesMarksPresence(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	batch := []store.Record{labelled(0, "1", 0.9, "1"), labelled(1, "0", 0.2, ""), labelled(2, "0", 0.1, "0")}
	batch[1].Prediction.HasScore = false
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Aggregate(ctx, store.AggregateRequest{
		Scope:    store.Scope{Model: "clf", From: t0, To: t0.Add(time.Hour)},
		Keys:     []store.Key{{Kind: store.KeyBin, Col: store.Column{Kind: store.ColPredScore}}},
		Measures: []store.Measure{{Op: store.Count}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]float64{}
	for _, r := range res.Rows {
		got[r.Keys[0].Int] = r.Measures[0]
	}
	if len(got) != 2 || got[-1] != 1 || got[0] != 2 {
		t.Fatalf("presence groups %v, want -1:1 and 0:2", got)
	}
}

// TestQualityMeasuresMatchMetrics checks the data-quality measures against the
// definitions in pkg/metrics, on values with ties, missing values and a category
// the reference never had.
func TestQualityMeasuresMatchMetrics(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	nums := []float64{4, 4, 5, math.NaN(), 6, 1, -3, 4, 12.5, 3, math.NaN(), 7.25, 2, 2, 9}
	cats := []string{"a", "b", "", "a", "c", "new", "b", "b", "", "a", "z", "a", "c", "c", "a"}
	var batch []store.Record
	for i := range nums {
		r := labelled(i, "1", 0.5, "")
		r.Model = "dq"
		xv, cv := store.Value{}, store.Value{}
		if !math.IsNaN(nums[i]) {
			xv = store.Num(nums[i])
		}
		if cats[i] != "" {
			cv = store.Str(cats[i])
		}
		r.Features = []store.Feature{{Name: "x", Value: xv}, {Name: "c", Value: cv}}
		batch = append(batch, r)
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	x := store.Column{Kind: store.ColFeature, Name: "x"}
	c := store.Column{Kind: store.ColFeature, Name: "c"}
	measures := []store.Measure{
		{Op: store.Mean, A: x}, {Op: store.StdSamp, A: x}, {Op: store.CountDistinct, A: x},
		{Op: store.CountOutside, A: x, Lo: 0, Hi: 9}, {Op: store.CountDistinct, A: c},
		{Op: store.CountIn, A: c, Values: []string{"a", "b", "c"}}, {Op: store.CountIn, A: c},
	}
	for _, q := range metrics.QualityQuantiles {
		measures = append(measures, store.Measure{Op: store.Quantile, A: x, Q: q})
	}
	res, err := s.Aggregate(ctx, store.AggregateRequest{Scope: store.Scope{Model: "dq", From: t0, To: t0.Add(time.Hour)}, Measures: measures})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rows[0].Measures
	q := metrics.NumericDataQuality([]float64{0, 9}, nums)
	want := []metrics.Optional{q.Mean, q.Std, q.Distinct, metrics.Some(2), metrics.Some(5), metrics.Some(11), metrics.Some(0), q.P05, q.P25, q.P50, q.P75, q.P95}
	if o, _ := q.OutOfRangeRate.Get(); o != 2.0/13 {
		t.Fatalf("out-of-range rate %v, want 2/13", o)
	}
	for i, w := range want {
		wv, _ := w.Get()
		if math.Abs(got[i]-wv) > 1e-12*math.Max(1, math.Abs(wv)) {
			t.Errorf("measure %d (op %d) = %v, want %v", i, measures[i].Op, got[i], wv)
		}
	}

	// Undefined: no values (null), one value (std null), a bad level, a type mismatch.
	empty := store.Scope{Model: "dq", From: t0, To: t0.Add(3 * time.Second), Filters: []store.Filter{{Col: x, Op: store.OpIsNull}}}
	res, err = s.Aggregate(ctx, store.AggregateRequest{Scope: empty, Measures: []store.Measure{
		{Op: store.Mean, A: x}, {Op: store.StdSamp, A: x}, {Op: store.Quantile, A: x, Q: 0.5}, {Op: store.CountDistinct, A: x},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Rows[0].Measures; !math.IsNaN(m[0]) || !math.IsNaN(m[1]) || !math.IsNaN(m[2]) || m[3] != 0 {
		t.Errorf("over no values: mean, std, median, distinct = %v, want NaN NaN NaN 0", m)
	}
	for _, bad := range []store.Measure{{Op: store.Quantile, A: x, Q: 1.5}, {Op: store.Quantile, A: x, Q: math.NaN()}, {Op: store.Mean, A: c}, {Op: store.CountIn, A: x, Values: []string{"1"}}} {
		if _, err := s.Aggregate(ctx, store.AggregateRequest{Scope: empty, Measures: []store.Measure{bad}}); err == nil {
			t.Errorf("measure %+v succeeded", bad)
		}
	}
}

// TestSumInterpAddsTheInterpolatedValues checks SumInterp against numpy.interp's
// definition (metrics.Isotonic.Predict) on scores at, between and beyond the
// knots, with null scores adding nothing, and refuses bad points.
func TestSumInterpAddsTheInterpolatedValues(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	knots, at := []float64{0.1, 0.25, 0.3, 0.7, 0.9}, []float64{0.02, 0.1, 0.5, 0.5, 0.97}
	scores := []float64{-1, 0, 0.1, 0.2, 0.25, 0.26, 0.3, 0.5, 0.7, 0.71, 0.9, 0.95, 2, math.NaN()}
	var batch []store.Record
	fit := metrics.Isotonic{X: knots, Y: at}
	var want [2]float64
	for i, sc := range scores {
		r := labelled(i, "1", sc, "")
		if math.IsNaN(sc) {
			r.Prediction.HasScore, r.Prediction.Score = false, 0
		} else {
			want[i%2] += fit.Predict(sc)
		}
		batch = append(batch, r)
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	score := store.Column{Kind: store.ColPredScore}
	sc := store.Scope{Model: "clf", From: t0, To: t0.Add(time.Hour)}
	for _, tc := range []struct {
		name         string
		knots, at    []float64
		whole, first float64
	}{
		{"five knots", knots, at, want[0] + want[1], want[0]},
		{"one knot: a constant", []float64{0.5}, []float64{0.25}, 13 * 0.25, 7 * 0.25},
	} {
		// Every score, then those of even rows (0, 2, 4 … seconds from t0).
		even := sc
		even.Filters = []store.Filter{{Col: store.Column{Kind: store.ColID}, Op: store.OpIn, Values: []store.Value{
			store.Str("r0"), store.Str("r2"), store.Str("r4"), store.Str("r6"), store.Str("r8"), store.Str("r10"), store.Str("r12")}}}
		for i, scope := range []store.Scope{sc, even} {
			res, err := s.Aggregate(ctx, store.AggregateRequest{Scope: scope, Measures: []store.Measure{{Op: store.SumInterp, A: score, Knots: tc.knots, At: tc.at}}})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			w := []float64{tc.whole, tc.first}[i]
			if g := res.Rows[0].Measures[0]; math.Abs(g-w) > 1e-12 {
				t.Errorf("%s, scope %d: sum %v, want %v", tc.name, i, g, w)
			}
		}
	}
	for _, bad := range []store.Measure{
		{Op: store.SumInterp, A: score},
		{Op: store.SumInterp, A: score, Knots: []float64{0.2, 0.1}, At: []float64{0, 1}},
		{Op: store.SumInterp, A: score, Knots: []float64{0.2, 0.2}, At: []float64{0, 1}},
		{Op: store.SumInterp, A: score, Knots: []float64{0.2}, At: []float64{math.Inf(1)}},
		{Op: store.SumInterp, A: score, Knots: []float64{0.2, 0.3}, At: []float64{0}},
		{Op: store.SumInterp, A: store.Column{Kind: store.ColPredLabel}, Knots: []float64{0.2}, At: []float64{0}},
	} {
		if _, err := s.Aggregate(ctx, store.AggregateRequest{Scope: sc, Measures: []store.Measure{bad}}); err == nil {
			t.Errorf("measure %+v succeeded", bad)
		}
	}
}
