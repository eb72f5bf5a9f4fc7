package metrics

import (
	"fmt"
	"math"
	"slices"
)

// NumericQuality holds the data-quality metrics of a numeric field over one
// bucket of current records (METRICS.md "Data quality"). Every value is absent
// where the definition leaves it undefined.
type NumericQuality struct {
	MissingRate     Optional // m / n
	OutOfRangeRate  Optional // share of x outside [min(r), max(r)]
	Mean            Optional // numpy.mean(x)
	Std             Optional // numpy.std(x, ddof=1), absent below 2 values
	Min, Max        Optional
	P05, P25, P50   Optional // numpy.quantile(x, q), linear interpolation
	P75, P95        Optional
	Distinct        Optional // len(numpy.unique(x))
	Count, Missings int64
}

// CategoricalQuality holds the data-quality metrics of a categorical field.
type CategoricalQuality struct {
	MissingRate     Optional // m / n
	NewCategoryRate Optional // share of x whose category never occurs in the reference
	Distinct        Optional
	Count, Missings int64
}

// QualityQuantiles are the quantile levels of the data-quality percentiles, in
// the order P05, P25, P50, P75, P95.
var QualityQuantiles = [5]float64{0.05, 0.25, 0.5, 0.75, 0.95}

// MissingRate returns missing / n, absent when n is zero.
func MissingRate(n, missing int64) Optional { return ratio(float64(missing), float64(n)) }

// Share returns part / whole, absent when whole is zero: the out-of-range and
// new-category rates from their counts.
func Share(part, whole int64) Optional { return ratio(float64(part), float64(whole)) }

// NumericDataQuality computes the metrics of a numeric field from raw values;
// NaN is a missing value. The reference only supplies the range.
func NumericDataQuality(reference, current []float64) NumericQuality {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range reference {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	x := make([]float64, 0, len(current))
	for _, v := range current {
		if !math.IsNaN(v) {
			x = append(x, v)
		}
	}
	q := NumericQuality{Count: int64(len(current)), Missings: int64(len(current) - len(x))}
	q.MissingRate = MissingRate(q.Count, q.Missings)
	if lo <= hi {
		outside := 0
		for _, v := range x {
			if v < lo || v > hi {
				outside++
			}
		}
		q.OutOfRangeRate = Share(int64(outside), int64(len(x)))
	}
	q.Distinct = Some(0)
	if len(x) == 0 {
		return q
	}
	slices.Sort(x)
	var sum compensatedSum
	for _, v := range x {
		sum.add(v)
	}
	mean := sum.value() / float64(len(x))
	q.Mean = Some(mean)
	if len(x) > 1 {
		var ss compensatedSum
		for _, v := range x {
			d := v - mean
			ss.add(d * d)
		}
		q.Std = Some(math.Sqrt(ss.value() / float64(len(x)-1)))
	}
	at := func(pos float64) float64 { return x[int(pos)] }
	n := float64(len(x))
	q.Min, q.Max = Some(x[0]), Some(x[len(x)-1])
	qs := [5]*Optional{&q.P05, &q.P25, &q.P50, &q.P75, &q.P95}
	for i, level := range QualityQuantiles {
		*qs[i] = Some(linearQuantile(n, at, level))
	}
	distinct := 1
	for i := 1; i < len(x); i++ {
		if x[i] != x[i-1] {
			distinct++
		}
	}
	q.Distinct = Some(float64(distinct))
	return q
}

// Quantile returns numpy.quantile(values, q) with linear interpolation over the
// non-NaN values, absent when there are none. q must lie in [0, 1].
func Quantile(values []float64, q float64) (Optional, error) {
	if !(q >= 0 && q <= 1) {
		return Optional{}, fmt.Errorf("quantile level %v: must be between 0 and 1", q)
	}
	x := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			x = append(x, v)
		}
	}
	if len(x) == 0 {
		return Optional{}, nil
	}
	slices.Sort(x)
	return Some(linearQuantile(float64(len(x)), func(pos float64) float64 { return x[int(pos)] }, q)), nil
}

// CategoricalDataQuality computes the metrics of a categorical field from raw
// values; nil is a missing value.
func CategoricalDataQuality(reference, current []*string) CategoricalQuality {
	seen := map[string]bool{}
	for _, v := range reference {
		if v != nil {
			seen[*v] = true
		}
	}
	q := CategoricalQuality{Count: int64(len(current))}
	distinct := map[string]bool{}
	var present, unseen int64
	for _, v := range current {
		if v == nil {
			q.Missings++
			continue
		}
		present++
		distinct[*v] = true
		if !seen[*v] {
			unseen++
		}
	}
	q.MissingRate = MissingRate(q.Count, q.Missings)
	q.NewCategoryRate = Share(unseen, present)
	q.Distinct = Some(float64(len(distinct)))
	return q
}
