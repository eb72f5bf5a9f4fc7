package metrics

import (
	"fmt"
	"math"
)

// EmbeddingDistance compares the centroids (mean vectors) of two embedding samples.
type EmbeddingDistance struct {
	// Euclidean is ‖mean(c) − mean(r)‖₂.
	Euclidean float64
	// Cosine is 1 − cos(mean(r), mean(c)), in [0, 2]; absent when a centroid is
	// the zero vector.
	Cosine Optional
}

// CentroidDistance compares two centroids of the same dimension.
func CentroidDistance(reference, current []float64) (EmbeddingDistance, error) {
	if len(reference) != len(current) {
		return EmbeddingDistance{}, fmt.Errorf("centroid distance: reference has dimension %d, current %d", len(reference), len(current))
	}
	if len(reference) == 0 {
		return EmbeddingDistance{}, fmt.Errorf("centroid distance: centroids have dimension 0")
	}
	var diff, dot, rr, cc compensatedSum
	for i := range reference {
		r, c := reference[i], current[i]
		if math.IsNaN(r) || math.IsInf(r, 0) || math.IsNaN(c) || math.IsInf(c, 0) {
			return EmbeddingDistance{}, fmt.Errorf("centroid distance: component %d is not finite", i)
		}
		d := c - r
		diff.add(d * d)
		dot.add(r * c)
		rr.add(r * r)
		cc.add(c * c)
	}
	out := EmbeddingDistance{Euclidean: math.Sqrt(diff.value())}
	if norms := math.Sqrt(rr.value() * cc.value()); norms > 0 {
		out.Cosine = Some(min(max(1-dot.value()/norms, 0), 2))
	}
	return out, nil
}

// CentroidDistanceFromSums compares two samples given the component-wise sum of
// their vectors and their counts, as SQL aggregates them.
func CentroidDistanceFromSums(referenceSum []float64, referenceCount int64, currentSum []float64, currentCount int64) (EmbeddingDistance, error) {
	r, err := centroidFromSum(referenceSum, referenceCount)
	if err != nil {
		return EmbeddingDistance{}, fmt.Errorf("centroid distance: reference: %w", err)
	}
	c, err := centroidFromSum(currentSum, currentCount)
	if err != nil {
		return EmbeddingDistance{}, fmt.Errorf("centroid distance: current: %w", err)
	}
	return CentroidDistance(r, c)
}

func centroidFromSum(sum []float64, count int64) ([]float64, error) {
	if count <= 0 {
		return nil, ErrEmptySample
	}
	out := make([]float64, len(sum))
	for i, s := range sum {
		out[i] = s / float64(count)
	}
	return out, nil
}

// Centroid returns the mean vector of a sample of equal-length vectors.
func Centroid(vectors [][]float64) ([]float64, error) {
	if len(vectors) == 0 {
		return nil, fmt.Errorf("centroid: %w", ErrEmptySample)
	}
	dim := len(vectors[0])
	sums := make([]compensatedSum, dim)
	for i, v := range vectors {
		if len(v) != dim {
			return nil, fmt.Errorf("centroid: vector %d has dimension %d, vector 0 has %d", i, len(v), dim)
		}
		for k, x := range v {
			sums[k].add(x)
		}
	}
	out := make([]float64, dim)
	for k := range sums {
		out[k] = sums[k].value() / float64(len(vectors))
	}
	return out, nil
}
