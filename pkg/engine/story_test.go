package engine

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/models"
)

// TestDemoStoryShowsInTheNumbers runs the queries a user would run on the demo
// and checks the story it tells (pkg/demo/SCENARIO.md).
func TestDemoStoryShowsInTheNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the full demo")
	}
	ctx := context.Background()
	end := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	e, _ := demoEngine(t, demo.Config{Seed: 3, Scale: 1, End: end, BatchSize: 100_000})
	start := end.Add(-30 * 24 * time.Hour)
	day := func(d int) time.Time { return start.Add(time.Duration(d) * 24 * time.Hour) }
	run := func(q map[string]any, from, to time.Time) *Result {
		t.Helper()
		b, _ := json.Marshal(q)
		pq, err := models.Parse(models.Request{JSON: b, RefID: "A", From: from, To: to}, models.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Run(ctx, pq)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return res
	}
	label := func(s Series, name string) string {
		for _, l := range s.Labels {
			if l.Name == name {
				return l.Value
			}
		}
		return ""
	}

	// Income drifts from day 12: hourly PSI of production against v1's
	// training data is above 0.25 in every hour after and below 0.1 before.
	psi := run(map[string]any{"queryType": "drift", "model": "credit-risk", "environment": "production", "versions": []string{"v1"},
		"features": []string{"income"}, "metric": "psi", "interval": "1h",
		"reference": map[string]any{"type": "environment", "environment": "training", "version": "v1"}}, day(0), day(22))
	if len(psi.Series) != 1 {
		t.Fatalf("income PSI: %d series", len(psi.Series))
	}
	before, after := 0, 0
	for _, p := range psi.Series[0].Points {
		v, ok := p.Value.Get()
		if !ok {
			t.Fatalf("income PSI absent at %s", p.Time)
		}
		switch {
		case p.Time.Before(day(12)):
			before++
			if v >= 0.1 {
				t.Errorf("income PSI %.3f at %s, before the shift", v, p.Time)
			}
		case !p.Time.Before(day(12).Add(time.Hour)):
			after++
			if v <= 0.25 {
				t.Errorf("income PSI %.3f at %s, after the shift", v, p.Time)
			}
		}
	}
	if before < 12*24-1 || after < 9*24 {
		t.Errorf("hours checked: %d before, %d after", before, after)
	}

	// v2 is biased against women: disparate impact below 0.8.
	di := run(map[string]any{"queryType": "fairness", "model": "credit-risk", "environment": "production", "metric": "disparate_impact",
		"interval": "240h", "fairness": map[string]any{"attribute": "tags.sex", "protected": []string{"F"}, "reference": []string{"M"}, "favorable": "1"}},
		day(22), day(30))
	// A bucket where a group has fewer than 30 records (the default minimum
	// group size), as v1's while it drains, has an absent point.
	present := map[string]int{}
	for _, s := range di.Series {
		for _, p := range s.Points {
			v, ok := p.Value.Get()
			if !ok {
				continue
			}
			present[label(s, "version")]++
			switch label(s, "version") {
			case "v2":
				if v >= 0.8 {
					t.Errorf("v2 disparate impact %.3f, want below 0.8", v)
				}
			case "v1":
				if v < 0.8 || v > 1.25 {
					t.Errorf("v1 disparate impact %.3f, want within [0.8, 1.25]", v)
				}
			}
		}
	}
	if present["v1"] == 0 || present["v2"] == 0 {
		t.Errorf("disparate impact points present per version: %v, want v1 and v2", present)
	}

	// v1 is deprecated on day 22: its production share is about 0 on days
	// 22–24 and rises again from day 25.
	share := run(map[string]any{"queryType": "traffic", "model": "credit-risk", "environment": "production", "metric": "share",
		"versions": []string{"v1"}, "interval": "1d"}, day(22), day(30))
	if len(share.Series) != 1 || label(share.Series[0], "status") != "deprecated" {
		t.Fatalf("v1 share: %+v", share.Series)
	}
	byDay := map[int]float64{}
	for _, p := range share.Series[0].Points {
		v, _ := p.Value.Get()
		byDay[int(p.Time.Sub(start)/(24*time.Hour))] = v
	}
	for d := 22; d <= 24; d++ {
		if byDay[d] > 0.02 {
			t.Errorf("v1 share on day %d: %.3f, want about 0", d, byDay[d])
		}
	}
	for d := 25; d <= 29; d++ {
		if byDay[d] < 0.05 {
			t.Errorf("v1 share on day %d: %.3f, want it back", d, byDay[d])
		}
	}
	if byDay[29] <= byDay[25] {
		t.Errorf("v1 share should rise from day 25 (%.3f) to day 29 (%.3f)", byDay[25], byDay[29])
	}
}
