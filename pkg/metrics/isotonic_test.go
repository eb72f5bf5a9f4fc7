package metrics

import (
	"math"
	"testing"
)

func TestFitIsotonicPoolsTiesAndViolators(t *testing.T) {
	// x = 0.2 appears twice with y 1 and 0 (pooled to 0.5 before PAV); 0.3 → 0
	// violates and pools with it: (0.5·2 + 0) / 3.
	fit, err := FitIsotonic([]WeightedPoint{
		{X: 0.1, Y: 0, W: 1}, {X: 0.2, Y: 1, W: 1}, {X: 0.2, Y: 0, W: 1},
		{X: 0.3, Y: 0, W: 1}, {X: 0.9, Y: 1, W: 1},
	}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantX := []float64{0.1, 0.2, 0.3, 0.9}
	wantY := []float64{0, 1.0 / 3, 1.0 / 3, 1}
	if len(fit.X) != len(wantX) {
		t.Fatalf("fit %+v, want X %v Y %v", fit, wantX, wantY)
	}
	for i := range wantX {
		if fit.X[i] != wantX[i] || math.Abs(fit.Y[i]-wantY[i]) > 1e-15 {
			t.Errorf("point %d = (%v, %v), want (%v, %v)", i, fit.X[i], fit.Y[i], wantX[i], wantY[i])
		}
	}
	for _, tc := range []struct{ x, want float64 }{
		{-1, 0}, {0.1, 0}, {0.15, 1.0 / 6}, {0.25, 1.0 / 3}, {0.6, 1.0/3 + (2.0/3)*0.5}, {0.9, 1}, {5, 1},
	} {
		if got := fit.Predict(tc.x); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Predict(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	// Each linear piece reproduces Predict inside it (pieces numbered as KeyBin).
	for _, x := range []float64{-1, 0.1, 0.12, 0.2, 0.27, 0.3, 0.5, 0.9, 3} {
		piece := BinIndex(fit.X, x)
		origin, base, slope := fit.Segment(piece)
		if got := base + slope*(x-origin); math.Abs(got-fit.Predict(x)) > 1e-12 {
			t.Errorf("piece %d at %v gives %v, Predict %v", piece, x, got, fit.Predict(x))
		}
	}
}

func TestFitIsotonicBadInput(t *testing.T) {
	for _, pts := range [][]WeightedPoint{nil, {{X: math.NaN(), Y: 0, W: 1}}, {{X: 0, Y: 0, W: 0}}} {
		if _, err := FitIsotonic(pts, 0, 1); err == nil {
			t.Errorf("FitIsotonic(%v) succeeded", pts)
		}
	}
}

func TestAUCTraceMetricSubtracts(t *testing.T) {
	all := []ScoreCount{{Score: 0.1, Negatives: 2}, {Score: 0.5, Positives: 1, Negatives: 1}, {Score: 0.9, Positives: 2}}
	part := []ScoreCount{{Score: 0.5, Negatives: 1}}
	rest, err := AUCTraceMetric.Subtract(all, part)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := AUC(rest)
	if v, _ := a.Get(); v != 1 {
		t.Errorf("AUC without the tied negative = %v, want 1", a)
	}
	if _, err := AUCTraceMetric.Subtract(part, all); err == nil {
		t.Error("subtracting more rows than the total succeeded")
	}
}
