package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The sorted-array forms agree with the walk over both Summaries: KS to the
// last bit, Wasserstein within 1e-12 relative, on samples with many ties,
// disjoint ranges, one value, and sizes far apart (the galloping steps).
func TestSortedDistancesMatchSummaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func(n int) []float64{
		"normal":   func(n int) []float64 { return fill(n, func() float64 { return rng.NormFloat64() }) },
		"ties":     func(n int) []float64 { return fill(n, func() float64 { return float64(rng.IntN(7)) }) },
		"shifted":  func(n int) []float64 { return fill(n, func() float64 { return 100 + rng.ExpFloat64() }) },
		"constant": func(n int) []float64 { return fill(n, func() float64 { return 3 }) },
		"mixed": func(n int) []float64 {
			return fill(n, func() float64 {
				if rng.IntN(3) == 0 {
					return 0
				}
				return rng.NormFloat64() * 1e6
			})
		},
	}
	sizes := [][2]int{{1, 1}, {1, 50}, {50, 1}, {10, 10}, {1000, 7}, {7, 1000}, {20000, 300}, {300, 20000}}
	for rn, rg := range gen {
		for cn, cg := range gen {
			for _, sz := range sizes {
				ref, cur := rg(sz[0]), cg(sz[1])
				rs, _ := NewSample(Summarize(ref))
				cs, _ := NewSample(Summarize(cur))
				slices.Sort(ref)
				slices.Sort(cur)
				wantKS := KSOfSamples(rs, cs).Statistic
				if got := KSOfSorted(ref, cur); got != wantKS {
					t.Errorf("%s vs %s %v: KS %v, want %v", rn, cn, sz, got, wantKS)
				}
				wantW := WassersteinOfSamples(rs, cs)
				if ks, w := DistancesOfSorted(ref, cur); ks != wantKS || math.Abs(w-wantW) > 1e-12*math.Abs(wantW) {
					t.Errorf("%s vs %s %v: one walk gives KS %v and Wasserstein %v, want %v and %v", rn, cn, sz, ks, w, wantKS, wantW)
				}
				if got := WassersteinOfSorted(ref, cur); math.Abs(got-wantW) > 1e-12*math.Abs(wantW) {
					t.Errorf("%s vs %s %v: Wasserstein %v, want %v", rn, cn, sz, got, wantW)
				}
				wantStd, _ := Summarize(ref).PopulationStd()
				if got := PopulationStdOfValues(ref); math.Abs(got-wantStd) > 1e-12*math.Max(wantStd, 1e-300) {
					t.Errorf("%s %d: std %v, want %v", rn, sz[0], got, wantStd)
				}
			}
		}
	}
}

func TestSortedDistancesEmpty(t *testing.T) {
	if KSOfSorted(nil, []float64{1}) != 0 || WassersteinOfSorted([]float64{1}, nil) != 0 {
		t.Error("an empty sample gives 0")
	}
	if !math.IsNaN(PopulationStdOfValues(nil)) {
		t.Error("the std of no values is NaN")
	}
	// Disjoint samples: D = 1, W = the distance between the points.
	if d := KSOfSorted([]float64{0, 0}, []float64{5}); d != 1 {
		t.Errorf("KS %v, want 1", d)
	}
	if w := WassersteinOfSorted([]float64{0, 0}, []float64{5}); w != 5 {
		t.Errorf("W %v, want 5", w)
	}
}

func fill(n int, f func() float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = f()
	}
	return xs
}

// Edges from sorted values, or from the order statistics a store looks up,
// are QuantileEdges' and UniformEdges' to the last bit.
func TestEdgesOfSortedMatchNumpyEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 3, 10, 11, 999, 1000} {
		for _, bins := range []int{1, 2, 4, 10, 13} {
			xs := fill(n, func() float64 { return math.Round(rng.NormFloat64()*4) / 2 })
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			if got, want := EdgesOfSorted("quantile", sorted, bins), QuantileEdges(xs, bins); !slices.Equal(got, want) {
				t.Errorf("n=%d bins=%d: quantile edges %v, want %v", n, bins, got, want)
			}
			if got, want := EdgesOfSorted("uniform", sorted, bins), UniformEdges(xs, bins); !slices.Equal(got, want) {
				t.Errorf("n=%d bins=%d: uniform edges %v, want %v", n, bins, got, want)
			}
			ranks := QuantileEdgeRanks(int64(n), bins)
			looked := map[int64]float64{}
			for _, r := range ranks {
				looked[r] = sorted[r]
			}
			got := QuantileEdgesAt(int64(n), bins, func(r int64) float64 {
				v, ok := looked[r]
				if !ok {
					t.Fatalf("n=%d bins=%d: rank %d read but not listed in %v", n, bins, r, ranks)
				}
				return v
			})
			if want := QuantileEdges(xs, bins); !slices.Equal(got, want) {
				t.Errorf("n=%d bins=%d: edges from ranks %v, want %v", n, bins, got, want)
			}
		}
	}
	if EdgesOfSorted("quantile", nil, 10) != nil {
		t.Error("no values: no edges")
	}
}
