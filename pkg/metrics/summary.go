package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrEmptySample is returned when a metric needs at least one value in a sample
// that has none.
var ErrEmptySample = errors.New("empty sample")

// WeightedValue is one value of a sample with its count, or its weight when it
// comes from a sketch.
type WeightedValue struct {
	Value  float64
	Weight float64
}

// Summary describes the non-missing values of a numeric sample as values sorted
// ascending with their counts: the result of GROUP BY value ORDER BY value, or the
// centroids of a fine quantile sketch. Values repeated in consecutive entries are
// allowed and act as one value with the summed weight.
type Summary []WeightedValue

// Summarize builds the exact Summary of raw values, skipping NaN (missing) values.
func Summarize(values []float64) Summary {
	sorted := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	var s Summary
	for _, v := range sorted {
		if n := len(s); n > 0 && s[n-1].Value == v {
			s[n-1].Weight++
			continue
		}
		s = append(s, WeightedValue{Value: v, Weight: 1})
	}
	return s
}

// Total returns the summed weight, i.e. the number of values summarised.
func (s Summary) Total() float64 {
	var t compensatedSum
	for _, e := range s {
		t.add(e.Weight)
	}
	return t.value()
}

// Validate checks that values are finite and non-decreasing and weights finite and
// non-negative.
func (s Summary) Validate() error {
	for i, e := range s {
		switch {
		case math.IsNaN(e.Value) || math.IsInf(e.Value, 0):
			return fmt.Errorf("summary entry %d: value %v is not finite", i, e.Value)
		case math.IsNaN(e.Weight) || math.IsInf(e.Weight, 0) || e.Weight < 0:
			return fmt.Errorf("summary entry %d: weight %v must be finite and non-negative", i, e.Weight)
		case i > 0 && e.Value < s[i-1].Value:
			return fmt.Errorf("summary entry %d: value %v is below the previous value %v; sort by value ascending", i, e.Value, s[i-1].Value)
		}
	}
	return nil
}

// Mean returns the weighted mean of the summarised values.
func (s Summary) Mean() (float64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	n := s.Total()
	if n == 0 {
		return 0, ErrEmptySample
	}
	var sum compensatedSum
	for _, e := range s {
		sum.add(e.Weight * e.Value)
	}
	return sum.value() / n, nil
}

// PopulationStd returns the population standard deviation (ddof = 0) of the
// summarised values, computed in two passes for accuracy.
func (s Summary) PopulationStd() (float64, error) {
	mean, err := s.Mean()
	if err != nil {
		return 0, err
	}
	var ss compensatedSum
	for _, e := range s {
		d := e.Value - mean
		ss.add(e.Weight * d * d)
	}
	return math.Sqrt(ss.value() / s.Total()), nil
}
