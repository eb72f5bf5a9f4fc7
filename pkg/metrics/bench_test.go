package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// benchSummary is a GROUP BY value result with n distinct values.
func benchSummary(n int, shift float64) Summary {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	values := make([]float64, 0, 20*n)
	for len(values) < cap(values) {
		values = append(values, math.Round((rng.NormFloat64()+shift)*float64(n)/8))
	}
	return Summarize(values)
}

func BenchmarkQuantileEdgesFromSummary(b *testing.B) {
	s := benchSummary(10_000, 0)
	for b.Loop() {
		if _, err := QuantileEdgesFromSummary(s, 10); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDriftOfSummaries(b *testing.B) {
	ref, cur := benchSummary(10_000, 0), benchSummary(10_000, 0.1)
	for b.Loop() {
		if _, err := DriftOfSummaries(ref, cur); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDriftOfHistograms(b *testing.B) {
	ref := Histogram{Counts: []int64{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}, Missing: 10}
	cur := Histogram{Counts: []int64{143, 127, 122, 99, 119, 134, 140, 146, 134, 336}, Missing: 3}
	for b.Loop() {
		if _, err := DriftOfHistograms(ref, cur); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAUC(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	counts := make([]ScoreCount, 10_000)
	for i := range counts {
		counts[i] = ScoreCount{Score: float64(i) / 10_000, Positives: float64(rng.IntN(10)), Negatives: float64(rng.IntN(10))}
	}
	for b.Loop() {
		if _, err := AUC(counts); err != nil {
			b.Fatal(err)
		}
	}
}

// A drift bucket of 270,000 values against a reference of 2,000,000, the
// shape of the drift benchmark at 10M rows.
func BenchmarkDistancesOfSorted(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	ref := make([]float64, 2_000_000)
	for i := range ref {
		ref[i] = rng.NormFloat64()
	}
	cur := make([]float64, 270_000)
	for i := range cur {
		cur[i] = rng.NormFloat64() + 0.1
	}
	slices.Sort(ref)
	slices.Sort(cur)
	for b.Loop() {
		DistancesOfSorted(ref, cur)
	}
}
