package metrics

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// healthGoldenPath holds the cases of the data-quality, estimated-performance
// and performance-trace definitions.
const healthGoldenPath = "../../../shared/golden/metrics-2.json"

type healthCase struct {
	Name           string                        `json:"name"`
	Kind           string                        `json:"kind"`
	Reference      json.RawMessage               `json:"reference"`
	Current        json.RawMessage               `json:"current"`
	ReferenceRange []float64                     `json:"reference_range"`
	NewCategories  []string                      `json:"new_categories"`
	Positive       *string                       `json:"positive"`
	Calibrated     []*float64                    `json:"calibrated"`
	ExpectedCounts map[string]map[string]float64 `json:"expected_counts"`
	Rows           []map[string]any              `json:"rows"`
	Features       []string                      `json:"features"`
	MinCount       int64                         `json:"min_count"`
	Expected       map[string]json.RawMessage    `json:"expected"`
}

var healthKinds = []string{"data_quality_numeric", "data_quality_categorical", "estimated_performance", "performance_trace", "performance_trace_regression"}

func loadHealthGolden(t *testing.T) []healthCase {
	t.Helper()
	raw, err := os.ReadFile(healthGoldenPath)
	if err != nil {
		t.Fatalf("reading golden cases: %v", err)
	}
	var file struct {
		Cases []healthCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing golden cases: %v", err)
	}
	var out []healthCase
	for _, c := range file.Cases {
		if slices.Contains(healthKinds, c.Kind) {
			out = append(out, c)
		}
	}
	return out
}

// checkNear compares an optional metric with an expected JSON value (null =
// absent) at valueTol relative.
func checkNear(t *testing.T, name string, got Optional, raw json.RawMessage) {
	t.Helper()
	want := decode[*float64](t, raw, name)
	g, ok := got.Get()
	switch {
	case want == nil && ok:
		t.Errorf("%s = %v, want null", name, g)
	case want != nil && !ok:
		t.Errorf("%s absent, want %v", name, *want)
	case want != nil && !closeTo(g, *want, valueTol):
		t.Errorf("%s = %.17g, want %.17g", name, g, *want)
	}
}

func TestHealthGolden(t *testing.T) {
	cases := loadHealthGolden(t)
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Kind]++
		t.Run(c.Name, func(t *testing.T) {
			switch c.Kind {
			case "data_quality_numeric":
				testDataQualityNumeric(t, c)
			case "data_quality_categorical":
				testDataQualityCategorical(t, c)
			case "estimated_performance":
				testEstimatedPerformance(t, c)
			case "performance_trace":
				testPerformanceTrace(t, c)
			case "performance_trace_regression":
				testPerformanceTraceRegression(t, c)
			}
		})
	}
	for _, k := range healthKinds {
		if seen[k] == 0 {
			t.Errorf("golden file has no case of kind %s", k)
		}
	}
}

func testDataQualityNumeric(t *testing.T, c healthCase) {
	ref, cur := numbers(t, c.Reference), numbers(t, c.Current)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range ref {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if !slices.Equal([]float64{lo, hi}, c.ReferenceRange) {
		t.Errorf("reference range [%v, %v], want %v", lo, hi, c.ReferenceRange)
	}
	q := NumericDataQuality(ref, cur)
	got := map[string]Optional{
		"missing_rate": q.MissingRate, "out_of_range_rate": q.OutOfRangeRate,
		"mean": q.Mean, "std": q.Std, "min": q.Min, "max": q.Max,
		"p05": q.P05, "p25": q.P25, "p50": q.P50, "p75": q.P75, "p95": q.P95,
		"distinct": q.Distinct,
	}
	for name, raw := range c.Expected {
		g, ok := got[name]
		if !ok {
			t.Errorf("expected metric %s is not computed", name)
			continue
		}
		checkNear(t, name, g, raw)
	}
	for i, level := range QualityQuantiles {
		v, err := Quantile(cur, level)
		if err != nil {
			t.Fatal(err)
		}
		checkNear(t, []string{"p05", "p25", "p50", "p75", "p95"}[i], v, c.Expected[[]string{"p05", "p25", "p50", "p75", "p95"}[i]])
	}
}

func testDataQualityCategorical(t *testing.T, c healthCase) {
	ref := decode[[]*string](t, c.Reference, "reference")
	cur := decode[[]*string](t, c.Current, "current")
	q := CategoricalDataQuality(ref, cur)
	got := map[string]Optional{"missing_rate": q.MissingRate, "new_category_rate": q.NewCategoryRate, "distinct": q.Distinct}
	for name, raw := range c.Expected {
		g, ok := got[name]
		if !ok {
			t.Errorf("expected metric %s is not computed", name)
			continue
		}
		checkNear(t, name, g, raw)
	}
	seen := map[string]bool{}
	for _, v := range ref {
		if v != nil {
			seen[*v] = true
		}
	}
	var fresh []string
	for _, v := range cur {
		if v != nil && !seen[*v] && !slices.Contains(fresh, *v) {
			fresh = append(fresh, *v)
		}
	}
	slices.Sort(fresh)
	if !slices.Equal(fresh, c.NewCategories) && !(len(fresh) == 0 && len(c.NewCategories) == 0) {
		t.Errorf("new categories %v, want %v", fresh, c.NewCategories)
	}
}

type estimatedRow struct {
	Score      *float64 `json:"score"`
	Prediction string   `json:"prediction"`
	Actual     *string  `json:"actual"`
}

func testEstimatedPerformance(t *testing.T, c healthCase) {
	pos := *c.Positive
	ref := decode[[]estimatedRow](t, c.Reference, "reference")
	cur := decode[[]estimatedRow](t, c.Current, "current")
	var points []WeightedPoint
	for _, r := range ref {
		if r.Actual == nil || r.Score == nil {
			continue
		}
		y := 0.0
		if *r.Actual == pos {
			y = 1
		}
		points = append(points, WeightedPoint{X: *r.Score, Y: y, W: 1})
	}
	fit, err := FitIsotonic(points, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Calibrated) != len(cur) {
		t.Fatalf("%d calibrated values for %d current rows", len(c.Calibrated), len(cur))
	}
	for _, mode := range []string{"isotonic", "none"} {
		p := make([]float64, len(cur))
		predPos := make([]bool, len(cur))
		var sc []ExpectedScoreCount
		for i, r := range cur {
			predPos[i] = r.Prediction == pos
			if r.Score == nil {
				p[i] = math.NaN()
				continue
			}
			p[i] = *r.Score
			if mode == "isotonic" {
				p[i] = fit.Predict(*r.Score)
				want := c.Calibrated[i]
				if want == nil || !closeTo(p[i], *want, valueTol) {
					t.Errorf("calibrated[%d] (score %v) = %.17g, want %v", i, *r.Score, p[i], want)
				}
			}
			sc = append(sc, ExpectedScoreCount{Score: *r.Score, Count: 1, SumP: p[i]})
		}
		counts, err := ExpectedConfusionOf(p, predPos)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := c.ExpectedCounts[mode]
		for name, got := range map[string]float64{"etp": counts.TP, "efp": counts.FP, "efn": counts.FN, "etn": counts.TN, "n": float64(counts.N)} {
			if !closeTo(got, wantCounts[name], valueTol) {
				t.Errorf("%s: %s = %.17g, want %.17g", mode, name, got, wantCounts[name])
			}
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(c.Expected[mode], &want); err != nil {
			t.Fatal(err)
		}
		s := Estimated(counts)
		auc, err := ExpectedAUC(sc)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Optional{"accuracy": s.Accuracy, "precision": s.Precision, "recall": s.Recall, "f1": s.F1, "auc": auc}
		if len(want) != len(got) {
			t.Errorf("%s: expected metrics %d, computed %d", mode, len(want), len(got))
		}
		for name, raw := range want {
			checkNear(t, mode+" "+name, got[name], raw)
		}
	}
}

type traceExpected struct {
	Value    *float64 `json:"value"`
	Count    int64    `json:"count"`
	Segments []struct {
		Feature      string   `json:"feature"`
		Value        string   `json:"value"`
		Count        int64    `json:"count"`
		Metric       *float64 `json:"metric"`
		Contribution *float64 `json:"contribution"`
		TooSmall     bool     `json:"too_small"`
	} `json:"segments"`
}

func checkTrace(t *testing.T, metric string, raw json.RawMessage, overall Optional, count int64, got []SegmentPerformance) {
	t.Helper()
	want := decode[traceExpected](t, raw, metric)
	b, _ := json.Marshal(want.Value)
	checkNear(t, metric+" overall", overall, b)
	if count != want.Count {
		t.Errorf("%s: %d rows with an actual, want %d", metric, count, want.Count)
	}
	if len(got) != len(want.Segments) {
		t.Fatalf("%s: %d segments, want %d", metric, len(got), len(want.Segments))
	}
	for i, w := range want.Segments {
		g := got[i]
		if g.Feature != w.Feature || g.Value != w.Value || g.Count != w.Count || g.TooSmall != w.TooSmall {
			t.Errorf("%s: segment %d = %s=%s count %d too small %v, want %s=%s count %d too small %v",
				metric, i, g.Feature, g.Value, g.Count, g.TooSmall, w.Feature, w.Value, w.Count, w.TooSmall)
			continue
		}
		m, _ := json.Marshal(w.Metric)
		checkNear(t, metric+" "+w.Feature+"="+w.Value+" metric", g.Metric, m)
		cb, _ := json.Marshal(w.Contribution)
		checkNear(t, metric+" "+w.Feature+"="+w.Value+" contribution", g.Contribution, cb)
	}
}

func testPerformanceTrace(t *testing.T, c healthCase) {
	pos := *c.Positive
	stats := func(rows []map[string]any) LabelStats {
		var s LabelStats
		for _, r := range rows {
			pred, _ := r["prediction"].(string)
			act, _ := r["actual"].(string)
			s.N++
			if pred == act {
				s.Correct++
			}
			s.Confusion.Add(pred == pos, act == pos)
		}
		return s
	}
	rows, segments := traceSegments(c)
	for metric, raw := range c.Expected {
		m, err := LabelTraceMetric(metric)
		if err != nil {
			t.Fatal(err)
		}
		segs := make([]TraceSegment[LabelStats], len(segments))
		for i, s := range segments {
			segs[i] = TraceSegment[LabelStats]{Feature: s.feature, Value: s.value, Count: int64(len(s.rows)), Stats: stats(s.rows)}
		}
		overall, got, err := TracePerformance(stats(rows), segs, m, c.MinCount)
		if err != nil {
			t.Fatal(err)
		}
		checkTrace(t, metric, raw, overall, int64(len(rows)), got)
	}
}

func testPerformanceTraceRegression(t *testing.T, c healthCase) {
	rows, segments := traceSegments(c)
	// Sums about one offset, so a segment's sums subtract from the total's.
	const k = 0
	sums := func(rows []map[string]any) RegressionSums {
		var a, p []float64
		for _, r := range rows {
			a = append(a, r["actual"].(float64))
			p = append(p, r["prediction"].(float64))
		}
		s, err := RegressionSumsAbout(a, p, k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for metric, raw := range c.Expected {
		m, err := RegressionTraceMetric(metric)
		if err != nil {
			t.Fatal(err)
		}
		segs := make([]TraceSegment[RegressionSums], len(segments))
		for i, s := range segments {
			segs[i] = TraceSegment[RegressionSums]{Feature: s.feature, Value: s.value, Count: int64(len(s.rows)), Stats: sums(s.rows)}
		}
		overall, got, err := TracePerformance(sums(rows), segs, m, c.MinCount)
		if err != nil {
			t.Fatal(err)
		}
		checkTrace(t, metric, raw, overall, int64(len(rows)), got)
	}
}

type traceSegmentRows struct {
	feature, value string
	rows           []map[string]any
}

// traceSegments keeps the rows with an actual and cuts them by each feature's
// values.
func traceSegments(c healthCase) ([]map[string]any, []traceSegmentRows) {
	var rows []map[string]any
	for _, r := range c.Rows {
		if r["actual"] != nil {
			rows = append(rows, r)
		}
	}
	var segs []traceSegmentRows
	for _, f := range c.Features {
		index := map[string]int{}
		for _, r := range rows {
			v, _ := r[f].(string)
			i, ok := index[v]
			if !ok {
				i = len(segs)
				index[v] = i
				segs = append(segs, traceSegmentRows{feature: f, value: v})
			}
			segs[i].rows = append(segs[i].rows, r)
		}
	}
	return rows, segs
}
