package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Values binned where they are land in the bins of the same values sorted:
// a value equal to an edge in the bin that edge closes, the extremes in the
// outer bins.
func TestBinCountsMatchSortedCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := map[string]struct {
		edges  []float64
		values []float64
	}{
		"on the edges":  {[]float64{1, 2, 3}, []float64{1, 2, 3, 0, 4, 2, 2.5, math.Inf(-1), math.Inf(1)}},
		"no edges":      {nil, []float64{5, -5}},
		"no values":     {[]float64{0}, nil},
		"one edge":      {[]float64{0}, []float64{-1, 0, 1, math.Copysign(0, -1)}},
		"random values": {[]float64{-1, -0.5, 0, 0.25, 0.5, 1, 2, 3, 4}, nil},
	}
	random := cases["random values"]
	for range 10000 {
		random.values = append(random.values, math.Round(r.NormFloat64()*4)/4)
	}
	cases["random values"] = random
	for name, tc := range cases {
		sorted := slices.Sorted(slices.Values(tc.values))
		want := BinCountsOfSorted(sorted, tc.edges)
		half := len(tc.values) / 2
		if got := BinCounts(tc.edges, tc.values[:half], tc.values[half:]); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if got := BinCounts([]float64{1, 2}, []float64{1, 2, 3}); !slices.Equal(got, []int64{1, 1, 1}) {
		t.Errorf("right-closed bins: %v, want [1 1 1]", got)
	}
}
