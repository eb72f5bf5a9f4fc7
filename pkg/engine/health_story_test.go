package engine

import (
	"math"
	"testing"
	"time"
)

// healthStory checks the model-health part of the demo story (pkg/demo/SCENARIO.md
// "Model health") with the queries a user would run.
func healthStory(t *testing.T, run func(map[string]any, time.Time, time.Time) *Result, start time.Time) {
	t.Helper()
	day := func(d int) time.Time { return start.Add(time.Duration(d) * 24 * time.Hour) }
	byDay := func(s Series) map[int]float64 {
		out := map[int]float64{}
		for _, p := range s.Points {
			if v, ok := p.Value.Get(); ok {
				out[int(p.Time.Sub(start)/(24*time.Hour))] = v
			}
		}
		return out
	}

	// debt_ratio goes missing on day 26 only.
	miss := run(map[string]any{"queryType": "dataQuality", "model": "credit-risk", "versions": []string{"v2"}, "environment": "production",
		"features": []string{"debt_ratio", "age"}, "metric": "missing_rate", "interval": "1d"}, day(18), day(30))
	if len(miss.Series) != 2 {
		t.Fatalf("missing rate: %d series", len(miss.Series))
	}
	for d, v := range byDay(miss.Series[0]) {
		if (d == 26) != (v > 0.3) || (d != 26 && v > 0) {
			t.Errorf("debt_ratio missing rate on day %d: %.3f", d, v)
		}
	}
	for d, v := range byDay(miss.Series[1]) {
		if v != 0 {
			t.Errorf("age missing rate on day %d: %.3f, want 0", d, v)
		}
	}

	// credit_lines leaves the training range from day 23.
	oor := run(map[string]any{"queryType": "dataQuality", "model": "credit-risk", "versions": []string{"v2"}, "environment": "production",
		"features": []string{"credit_lines"}, "metric": "out_of_range_rate", "interval": "1d",
		"reference": map[string]any{"type": "environment", "environment": "training", "version": "v2"}}, day(18), day(30))
	for d, v := range byDay(oor.Series[0]) {
		if (d >= 23 && (v < 0.02 || v > 0.06)) || (d < 23 && v > 0.005) {
			t.Errorf("credit_lines out-of-range rate on day %d: %.4f", d, v)
		}
	}

	// v2's estimated accuracy follows the realized one where actuals exist and
	// goes on past them.
	est := run(map[string]any{"queryType": "estimatedPerformance", "model": "credit-risk", "versions": []string{"v2"}, "environment": "production",
		"metric": "accuracy", "interval": "1d"}, day(22), day(30))
	real := run(map[string]any{"queryType": "performance", "model": "credit-risk", "versions": []string{"v2"}, "environment": "production",
		"metric": "accuracy", "interval": "1d"}, day(22), day(30))
	if len(est.Series) != 1 || len(real.Series) != 1 {
		t.Fatalf("accuracy series: estimated %d, realized %d", len(est.Series), len(real.Series))
	}
	e, r := byDay(est.Series[0]), byDay(real.Series[0])
	for d := 22; d < 30; d++ {
		ev, ok := e[d]
		if !ok {
			t.Errorf("no estimated accuracy on day %d", d)
			continue
		}
		if rv, ok := r[d]; ok && math.Abs(ev-rv) > 0.03 {
			t.Errorf("day %d: estimated accuracy %.3f, realized %.3f", d, ev, rv)
		}
	}
	if _, ok := r[28]; ok {
		t.Errorf("day 28 has realized accuracy; the story says its actuals have not arrived")
	}

	// The slow harbour nights top the performance trace of delivery-eta's MAE.
	trace := run(map[string]any{"queryType": "performanceTrace", "model": "delivery-eta", "metric": "mae"}, day(10), day(30))
	if len(trace.Tables) != 1 || len(trace.Tables[0].Columns[0].Values) == 0 {
		t.Fatalf("performance trace: %+v", trace.Tables)
	}
	tab := trace.Tables[0]
	if f, v := tab.Columns[0].Values[0], tab.Columns[1].Values[0]; f != "features.zone" || v != "harbour" {
		t.Errorf("performance trace of MAE ranks %v=%v first, want features.zone=harbour", f, v)
	}
}
