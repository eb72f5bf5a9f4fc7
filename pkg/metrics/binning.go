package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Histogram holds the counts of one sample over a set of bins, plus the number of
// missing values, which form their own bin.
type Histogram struct {
	Counts  []int64
	Missing int64
}

// Total returns the number of values, missing ones included.
func (h Histogram) Total() int64 {
	t := h.Missing
	for _, c := range h.Counts {
		t += c
	}
	return t
}

// QuantileEdges returns the bin edges of the quantile strategy: the unique values of
// the reference quantiles at k/bins, k = 1…bins−1, with linear interpolation exactly
// as numpy.quantile computes them. NaN (missing) values are ignored. With bins < 2
// or no non-missing values there are no edges, i.e. a single bin.
func QuantileEdges(reference []float64, bins int) []float64 {
	sorted := make([]float64, 0, len(reference))
	for _, v := range reference {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	at := func(pos float64) float64 { return sorted[int(pos)] }
	return quantileEdges(float64(len(sorted)), at, bins)
}

// QuantileEdgesFromSummary returns the same edges as QuantileEdges from a Summary of
// the reference, so the engine can bin by quantiles from GROUP BY value counts
// without reading raw rows. With integral weights the edges equal numpy's bit for
// bit; with sketch weights they interpolate between sketch values.
func QuantileEdgesFromSummary(reference Summary, bins int) ([]float64, error) {
	if err := reference.Validate(); err != nil {
		return nil, fmt.Errorf("quantile edges: reference: %w", err)
	}
	cum := make([]float64, len(reference))
	var running compensatedSum
	for i, e := range reference {
		running.add(e.Weight)
		cum[i] = running.value()
	}
	n := 0.0
	if len(cum) > 0 {
		n = cum[len(cum)-1]
	}
	// The value at sorted position pos is the first entry whose cumulative
	// weight exceeds pos.
	at := func(pos float64) float64 {
		j := sort.Search(len(cum), func(j int) bool { return cum[j] > pos })
		if j == len(cum) {
			j = len(cum) - 1
		}
		return reference[j].Value
	}
	return quantileEdges(n, at, bins), nil
}

// quantileEdges evaluates the quantiles k/bins of n sorted values read through at.
func quantileEdges(n float64, at func(pos float64) float64, bins int) []float64 {
	if bins < 2 || n <= 0 {
		return nil
	}
	edges := make([]float64, 0, bins-1)
	for k := 1; k < bins; k++ {
		q := float64(k) / float64(bins)
		edges = append(edges, linearQuantile(n, at, q))
	}
	return uniqueSorted(edges)
}

// linearQuantile follows numpy's "linear" method: virtual index (n−1)·q between
// the neighbouring order statistics.
func linearQuantile(n float64, at func(pos float64) float64, q float64) float64 {
	last := n - 1
	vi := last * q
	if vi >= last {
		return at(math.Max(last, 0))
	}
	if vi < 0 {
		return at(0)
	}
	lo := math.Floor(vi)
	return lerp(at(lo), at(lo+1), vi-lo)
}

// lerp interpolates like numpy's quantile: from the nearer end, so the result is
// monotone in t and exact at t = 1. The conversions keep the compiler from fusing
// the multiply-add, which would change the last bit.
func lerp(a, b, t float64) float64 {
	diff := b - a
	if t >= 0.5 {
		return b - float64(diff*(1-t))
	}
	return a + float64(diff*t)
}

// UniformEdges returns the bin edges of the uniform strategy: the unique interior
// points of numpy.linspace(min, max, bins+1) over the non-missing reference values.
func UniformEdges(reference []float64, bins int) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range reference {
		if math.IsNaN(v) {
			continue
		}
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	if lo > hi {
		return nil
	}
	return UniformEdgesFromRange(lo, hi, bins)
}

// UniformEdgesFromRange returns the uniform-strategy edges from the reference
// minimum and maximum (lo ≤ hi, both finite), e.g. as computed by MIN and MAX in
// SQL.
func UniformEdgesFromRange(lo, hi float64, bins int) []float64 {
	if bins < 2 {
		return nil
	}
	delta := hi - lo
	step := delta / float64(bins)
	edges := make([]float64, 0, bins-1)
	for k := 1; k < bins; k++ {
		var y float64
		if step == 0 {
			// numpy's path for a zero (or denormal-underflowed) step.
			y = float64(float64(k)/float64(bins)) * delta
		} else {
			y = float64(float64(k) * step)
		}
		edges = append(edges, y+lo)
	}
	return uniqueSorted(edges)
}

func uniqueSorted(xs []float64) []float64 {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// BinIndex returns the bin of x for sorted edges: the number of edges strictly
// below x, as numpy.searchsorted(edges, x, side="left"). Bins are right-closed:
// (−∞, e0], (e0, e1], …, (e_last, +∞). Callers treat NaN as missing before binning.
func BinIndex(edges []float64, x float64) int {
	return sort.SearchFloat64s(edges, x)
}

// NumericHistogram counts raw values into the len(edges)+1 bins of edges; NaN
// values count as missing.
func NumericHistogram(edges, values []float64) Histogram {
	h := Histogram{Counts: make([]int64, len(edges)+1)}
	for _, v := range values {
		if math.IsNaN(v) {
			h.Missing++
			continue
		}
		h.Counts[BinIndex(edges, v)]++
	}
	return h
}

// HistogramFromSummary counts an exact Summary (integral weights) into the
// len(edges)+1 bins of edges; missing is the sample's number of missing values.
func HistogramFromSummary(edges []float64, s Summary, missing int64) (Histogram, error) {
	if err := s.Validate(); err != nil {
		return Histogram{}, fmt.Errorf("histogram: %w", err)
	}
	if missing < 0 {
		return Histogram{}, fmt.Errorf("histogram: missing count %d is negative", missing)
	}
	h := Histogram{Counts: make([]int64, len(edges)+1), Missing: missing}
	for i, e := range s {
		if e.Weight != math.Trunc(e.Weight) || e.Weight > 1<<53 {
			return Histogram{}, fmt.Errorf("histogram: summary entry %d: weight %v is not an exact count", i, e.Weight)
		}
		h.Counts[BinIndex(edges, e.Value)] += int64(e.Weight)
	}
	return h, nil
}

// CategoryCounts is one sample of a categorical feature: the count of each category
// (GROUP BY category) and the number of missing values.
type CategoryCounts struct {
	Counts  map[string]int64
	Missing int64
}

// CountCategories counts raw categorical values; nil marks a missing value.
func CountCategories(values []*string) CategoryCounts {
	c := CategoryCounts{Counts: make(map[string]int64)}
	for _, v := range values {
		if v == nil {
			c.Missing++
			continue
		}
		c.Counts[*v]++
	}
	return c
}

// CategoricalHistograms bins two categorical samples on the union of their
// categories, sorted by string. Categories unseen in the reference keep their own
// bin: that is the drift users need to see. Missing values go to Histogram.Missing.
func CategoricalHistograms(reference, current CategoryCounts) (categories []string, ref, cur Histogram) {
	seen := make(map[string]bool, len(reference.Counts)+len(current.Counts))
	for c := range reference.Counts {
		seen[c] = true
	}
	for c := range current.Counts {
		seen[c] = true
	}
	categories = make([]string, 0, len(seen))
	for c := range seen {
		categories = append(categories, c)
	}
	slices.Sort(categories)
	ref = Histogram{Counts: make([]int64, len(categories)), Missing: reference.Missing}
	cur = Histogram{Counts: make([]int64, len(categories)), Missing: current.Missing}
	for i, c := range categories {
		ref.Counts[i] = reference.Counts[c]
		cur.Counts[i] = current.Counts[c]
	}
	return categories, ref, cur
}

// EdgesOfSorted returns the bin edges of a strategy ("quantile" or
// "uniform") from the sorted non-missing reference values: the same edges
// as QuantileEdges and UniformEdges, without copying or sorting.
func EdgesOfSorted(strategy string, sorted []float64, bins int) []float64 {
	if len(sorted) == 0 {
		return nil
	}
	if strategy == "uniform" {
		return UniformEdgesFromRange(sorted[0], sorted[len(sorted)-1], bins)
	}
	return QuantileEdgesAt(int64(len(sorted)), bins, func(rank int64) float64 { return sorted[rank] })
}

// QuantileEdgesAt returns the quantile edges of n sorted values, reading the
// order statistics (0-based ranks, those QuantileEdgeRanks lists) through at:
// a store can look them up without sending the values.
func QuantileEdgesAt(n int64, bins int, at func(rank int64) float64) []float64 {
	return quantileEdges(float64(n), func(pos float64) float64 { return at(int64(pos)) }, bins)
}

// QuantileEdgeRanks lists, in increasing order without repeats, the ranks
// of the order statistics that QuantileEdgesAt reads for n values.
func QuantileEdgeRanks(n int64, bins int) []int64 {
	var ranks []int64
	QuantileEdgesAt(n, bins, func(rank int64) float64 {
		ranks = append(ranks, rank)
		return 0
	})
	slices.Sort(ranks)
	return slices.Compact(ranks)
}
