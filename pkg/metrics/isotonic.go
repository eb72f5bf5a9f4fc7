package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Isotonic is a fitted increasing isotonic regression: a piecewise-linear map
// through the points (X[i], Y[i]), X strictly increasing, constant outside
// [X[0], X[len−1]] (out_of_bounds="clip").
type Isotonic struct {
	X, Y []float64
}

// uniqueResolution is numpy's float64 resolution (1e-15): scikit-learn merges
// sorted x values closer than this to the running distinct value.
const uniqueResolution = 1e-15

// WeightedPoint is one observation of an isotonic fit; W is its weight (a count
// when points are grouped by x).
type WeightedPoint struct {
	X, Y, W float64
}

// FitIsotonic fits sklearn.isotonic.IsotonicRegression(y_min=yMin, y_max=yMax,
// increasing=True, out_of_bounds="clip") to weighted points, step by step as
// scikit-learn does: points sorted by x then y; equal x values pooled into their
// weighted mean (ties pooled); pool-adjacent violators over the distinct x
// values; the fit clipped to [yMin, yMax]; interior points whose y equals both
// neighbours dropped. Points must have finite x and y and positive weights.
func FitIsotonic(points []WeightedPoint, yMin, yMax float64) (Isotonic, error) {
	if len(points) == 0 {
		return Isotonic{}, fmt.Errorf("isotonic fit: no points")
	}
	for i, p := range points {
		if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			return Isotonic{}, fmt.Errorf("isotonic fit: point %d (%v, %v) is not finite", i, p.X, p.Y)
		}
		if !(p.W > 0) || math.IsInf(p.W, 0) {
			return Isotonic{}, fmt.Errorf("isotonic fit: point %d has weight %v; weights must be positive and finite", i, p.W)
		}
	}
	sorted := points
	byXY := func(a, b WeightedPoint) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) }
	if !slices.IsSortedFunc(points, byXY) {
		sorted = slices.Clone(points)
		slices.SortStableFunc(sorted, byXY)
	}
	// _make_unique: weighted mean of y over each run of (nearly) equal x.
	xs := make([]float64, 0, len(sorted))
	ys := make([]float64, 0, len(sorted))
	ws := make([]float64, 0, len(sorted))
	curX, curY, curW := sorted[0].X, 0.0, 0.0
	for _, p := range sorted {
		if p.X-curX >= uniqueResolution {
			xs, ys, ws = append(xs, curX), append(ys, curY/curW), append(ws, curW)
			curX, curY, curW = p.X, p.Y*p.W, p.W
			continue
		}
		curW += p.W
		curY += p.Y * p.W
	}
	xs, ys, ws = append(xs, curX), append(ys, curY/curW), append(ws, curW)
	poolAdjacentViolators(ys, ws)
	for i := range ys {
		ys[i] = min(max(ys[i], yMin), yMax)
	}
	// Keep the ends and every point whose y differs from a neighbour's.
	keepX, keepY := []float64{xs[0]}, []float64{ys[0]}
	for i := 1; i < len(ys)-1; i++ {
		if ys[i-1] != ys[i] || ys[i] != ys[i+1] {
			keepX, keepY = append(keepX, xs[i]), append(keepY, ys[i])
		}
	}
	if len(ys) > 1 {
		keepX, keepY = append(keepX, xs[len(xs)-1]), append(keepY, ys[len(ys)-1])
	}
	return Isotonic{X: keepX, Y: keepY}, nil
}

// poolAdjacentViolators replaces y in place by its increasing isotonic fit with
// weights w, in the single pass with backtracking of scikit-learn's
// _inplace_contiguous_isotonic_regression (so sums happen in the same order).
// Equal neighbours are pooled, as a decreasing run is.
func poolAdjacentViolators(y, w []float64) {
	n := len(y)
	target := make([]int, n)
	for i := range target {
		target[i] = i
	}
	for i := 0; i < n; {
		k := target[i] + 1
		if k == n {
			break
		}
		if y[i] < y[k] {
			i = k
			continue
		}
		sumWY, sumW := w[i]*y[i], w[i]
		for {
			prev := y[k]
			sumWY += w[k] * y[k]
			sumW += w[k]
			k = target[k] + 1
			if k == n || prev < y[k] {
				y[i] = sumWY / sumW
				w[i] = sumW
				target[i] = k - 1
				target[k-1] = i
				if i > 0 {
					i = target[i-1]
				}
				break
			}
		}
	}
	for i := 0; i < n; {
		k := target[i] + 1
		for j := i + 1; j < k; j++ {
			y[j] = y[i]
		}
		i = k
	}
}

// Predict returns the calibrated value at x as scikit-learn's predict: x clipped
// to the fitted range, then numpy.interp between the fitted points.
func (f Isotonic) Predict(x float64) float64 {
	n := len(f.X)
	if n == 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= f.X[0] {
		return f.Y[0]
	}
	if x >= f.X[n-1] {
		return f.Y[n-1]
	}
	// j: the last point at or below x.
	j, found := slices.BinarySearch(f.X, x)
	if found {
		return f.Y[j]
	}
	j--
	slope := (f.Y[j+1] - f.Y[j]) / (f.X[j+1] - f.X[j])
	return float64(slope*(x-f.X[j])) + f.Y[j]
}

// Segment returns the linear piece of the fit that covers x: Predict(x) =
// Base + Slope·(x − Origin). Pieces are numbered as KeyBin numbers values with
// the fit's X as edges: piece 0 is x ≤ X[0] (constant Y[0]), piece i covers
// (X[i−1], X[i]], piece len(X) is x > X[len−1] (constant Y[len−1]).
func (f Isotonic) Segment(piece int) (origin, base, slope float64) {
	n := len(f.X)
	switch {
	case n == 0:
		return 0, math.NaN(), 0
	case piece <= 0:
		return f.X[0], f.Y[0], 0
	case piece >= n:
		return f.X[n-1], f.Y[n-1], 0
	}
	j := piece - 1
	return f.X[j], f.Y[j], (f.Y[j+1] - f.Y[j]) / (f.X[j+1] - f.X[j])
}
