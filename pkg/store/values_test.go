package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortMatchesAComparisonSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var scratch SortScratch
	cases := map[string]func(int) float64{
		"normal": func(int) float64 { return r.NormFloat64() },
		"ties":   func(int) float64 { return float64(r.IntN(7) - 3) },
		"wide":   func(int) float64 { return math.Ldexp(r.Float64()-0.5, r.IntN(2000)-1000) },
		"extremes": func(i int) float64 {
			return []float64{math.Inf(-1), math.Inf(1), -math.MaxFloat64, math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0, 1}[i%8]
		},
		"one value":    func(int) float64 { return 42.5 },
		"sorted input": func(i int) float64 { return float64(i) },
	}
	for name, gen := range cases {
		for _, n := range []int{0, 1, 5, radixMin - 1, radixMin, 1000, 30000} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = gen(i)
			}
			want := slices.Clone(xs)
			slices.Sort(want)
			scratch.Sort(xs)
			if !slices.Equal(xs, want) {
				t.Fatalf("%s, %d values: radix sort differs from slices.Sort", name, n)
			}
		}
	}
	// −0 and +0 are equal as floats: either order is sorted.
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = math.Copysign(0, float64(i%2)-0.5)
	}
	scratch.Sort(xs)
	if !slices.IsSorted(xs) {
		t.Fatal("signed zeros not sorted")
	}
}

func TestSetRawCountsRepeatedValues(t *testing.T) {
	var g ValueGroup
	var scratch SortScratch
	raw := []float64{3, 1, 3, 2, 3, 1}
	for range 60 { // past radixMin
		raw = append(raw, 3, 1, 3, 2, 3, 1)
	}
	g.SetRaw(raw, &scratch)
	if !slices.Equal(g.Values, []float64{1, 2, 3}) || !slices.Equal(g.Counts, []float64{122, 61, 183}) || g.Total() != float64(len(raw)) {
		t.Fatalf("values %v counts %v", g.Values, g.Counts)
	}
	g.SetRaw(nil, &scratch)
	if len(g.Values) != 0 || len(g.Counts) != 0 {
		t.Fatalf("no values: %v %v", g.Values, g.Counts)
	}
}

func TestSortValuesKeepsCountsWithValues(t *testing.T) {
	g := ValueGroup{Values: []float64{2, -1, 5, 0}, Counts: []float64{20, 10, 50, 1}}
	g.SortValues()
	if !slices.Equal(g.Values, []float64{-1, 0, 2, 5}) || !slices.Equal(g.Counts, []float64{10, 1, 20, 50}) {
		t.Fatalf("values %v counts %v", g.Values, g.Counts)
	}
}

// Counts per right-closed bin: a value equal to an edge is in the bin below.
func TestBinCountsOfSorted(t *testing.T) {
	for _, c := range []struct {
		sorted, edges []float64
		want          []int64
	}{
		{[]float64{1, 2, 2, 3, 5}, []float64{2, 4}, []int64{3, 1, 1}},
		{[]float64{1, 2, 3}, nil, []int64{3}},
		{nil, []float64{0}, []int64{0, 0}},
		{[]float64{-1, 0, 0, 7}, []float64{-5, 0, 10}, []int64{0, 3, 1, 0}},
	} {
		if got := BinCountsOfSorted(c.sorted, c.edges); !slices.Equal(got, c.want) {
			t.Errorf("%v in %v: %v, want %v", c.sorted, c.edges, got, c.want)
		}
	}
}

// A drift bucket's values at 10M rows: 270,000 doubles in chunks.
func BenchmarkSortChunks(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	var chunks [][]float64
	for n := 0; n < 270_000; n += 65_536 {
		c := make([]float64, min(65_536, 270_000-n))
		for i := range c {
			c[i] = rng.NormFloat64() * 1000
		}
		chunks = append(chunks, c)
	}
	var s SortScratch
	for b.Loop() {
		s.SortChunks(chunks)
	}
}

// SortChunks sorts the values of all chunks together, as Sort does.
func TestSortChunksMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var s SortScratch
	for _, sizes := range [][]int{{}, {3}, {100, 0, 50}, {5000}, {70000, 1, 30000}} {
		var chunks [][]float64
		var all []float64
		for _, n := range sizes {
			c := make([]float64, n)
			for i := range c {
				c[i] = math.Round(r.NormFloat64()*100) / 8
			}
			chunks = append(chunks, c)
			all = append(all, c...)
		}
		got := slices.Clone(s.SortChunks(chunks))
		slices.Sort(all)
		if !slices.Equal(got, all) && !(len(got) == 0 && len(all) == 0) {
			t.Errorf("chunks %v: not the sorted values", sizes)
		}
	}
}
