package metrics

import (
	"fmt"
	"math"
)

// StdFloor bounds the reference standard deviation used to normalise the
// Wasserstein distance, so a constant reference does not divide by zero.
const StdFloor = 0.001

// KSTest is the two-sample Kolmogorov–Smirnov statistic with its asymptotic
// p-value.
type KSTest struct {
	Statistic float64
	PValue    float64
}

// SampleDrift holds the drift metrics computed on non-missing values rather than
// bins.
type SampleDrift struct {
	KS              KSTest
	Wasserstein     float64
	WassersteinNorm float64
}

// DriftOfSummaries computes KS, Wasserstein and normalised Wasserstein of current
// against reference from their Summaries.
func DriftOfSummaries(reference, current Summary) (SampleDrift, error) {
	ks, err := KS(reference, current)
	if err != nil {
		return SampleDrift{}, err
	}
	w, err := Wasserstein(reference, current)
	if err != nil {
		return SampleDrift{}, err
	}
	std, err := reference.PopulationStd()
	if err != nil {
		return SampleDrift{}, fmt.Errorf("wasserstein_norm: reference: %w", err)
	}
	return SampleDrift{KS: ks, Wasserstein: w, WassersteinNorm: NormalizedWasserstein(w, std)}, nil
}

// DriftOfSamples is DriftOfSummaries on raw values; NaN values are missing and
// ignored.
func DriftOfSamples(reference, current []float64) (SampleDrift, error) {
	return DriftOfSummaries(Summarize(reference), Summarize(current))
}

// NormalizedWasserstein divides a Wasserstein distance by the reference population
// standard deviation, floored at StdFloor.
func NormalizedWasserstein(wasserstein, referenceStd float64) float64 {
	return wasserstein / math.Max(referenceStd, StdFloor)
}

// KS returns the two-sample Kolmogorov–Smirnov statistic D = max |F_r − F_c| and
// the asymptotic p-value Q(sqrt(n·m/(n+m))·D) of the Kolmogorov distribution, as
// scipy.stats.kstwobign.sf. n and m are the summed weights.
func KS(reference, current Summary) (KSTest, error) {
	r, c, err := prepareBoth(reference, current)
	if err != nil {
		return KSTest{}, fmt.Errorf("ks: %w", err)
	}
	return KSOfSamples(r, c), nil
}

// Wasserstein returns the first Wasserstein distance between the two samples,
// ∫ |F_r − F_c|, as scipy.stats.wasserstein_distance.
func Wasserstein(reference, current Summary) (float64, error) {
	r, c, err := prepareBoth(reference, current)
	if err != nil {
		return 0, fmt.Errorf("wasserstein: %w", err)
	}
	return WassersteinOfSamples(r, c), nil
}

// Sample is a validated, non-empty Summary with its total weight: a
// reference prepared once serves every current sample compared with it.
type Sample struct {
	values Summary
	total  float64
}

// NewSample validates a Summary for KS and Wasserstein.
func NewSample(s Summary) (Sample, error) {
	if err := s.Validate(); err != nil {
		return Sample{}, err
	}
	t := s.Total()
	if t == 0 {
		return Sample{}, ErrEmptySample
	}
	return Sample{values: s, total: t}, nil
}

func prepareBoth(reference, current Summary) (Sample, Sample, error) {
	r, err := NewSample(reference)
	if err != nil {
		return Sample{}, Sample{}, fmt.Errorf("reference: %w", err)
	}
	c, err := NewSample(current)
	if err != nil {
		return Sample{}, Sample{}, fmt.Errorf("current: %w", err)
	}
	return r, c, nil
}

// KSOfSamples is KS on prepared samples.
func KSOfSamples(reference, current Sample) KSTest {
	n, m := reference.total, current.total
	d := 0.0
	walkCDFs(reference.values, current.values, func(_, fr, fc float64) {
		d = math.Max(d, math.Abs(fr/n-fc/m))
	})
	en := n * m / (n + m)
	return KSTest{Statistic: d, PValue: KolmogorovSurvival(math.Sqrt(en) * d)}
}

// WassersteinOfSamples is Wasserstein on prepared samples.
func WassersteinOfSamples(reference, current Sample) float64 {
	n, m := reference.total, current.total
	var sum compensatedSum
	first := true
	var prev, gap float64
	walkCDFs(reference.values, current.values, func(v, fr, fc float64) {
		if !first {
			sum.add(gap * (v - prev))
		}
		first = false
		prev, gap = v, math.Abs(fr/n-fc/m)
	})
	return sum.value()
}

// walkCDFs visits each distinct value of the union of two summaries in ascending
// order, with the cumulative weights of both samples up to and including it.
func walkCDFs(a, b Summary, visit func(v, cumA, cumB float64)) {
	var ca, cb compensatedSum
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var v float64
		switch {
		case j == len(b) || (i < len(a) && a[i].Value <= b[j].Value):
			v = a[i].Value
		default:
			v = b[j].Value
		}
		for ; i < len(a) && a[i].Value == v; i++ {
			ca.add(a[i].Weight)
		}
		for ; j < len(b) && b[j].Value == v; j++ {
			cb.add(b[j].Weight)
		}
		visit(v, ca.value(), cb.value())
	}
}

// KolmogorovSurvival returns Q(x) = P(K > x) for the Kolmogorov distribution, the
// limit of sqrt(n)·D_n.
func KolmogorovSurvival(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return math.NaN()
	case x <= 0:
		return 1
	case x < 0.82:
		// For small x the alternating series converges slowly; use the Jacobi
		// theta form of the CDF, sqrt(2π)/x · Σ_{k odd} exp(−k²π²/(8x²)).
		f := -math.Pi * math.Pi / (8 * x * x)
		var cdf float64
		for k := 1.0; k < 40; k += 2 {
			t := math.Exp(k * k * f)
			cdf += t
			if t == 0 || t < 1e-20*cdf {
				break
			}
		}
		return 1 - math.Sqrt(2*math.Pi)/x*cdf
	default:
		f := -2 * x * x
		var sf float64
		sign := 1.0
		for k := 1.0; k < 100; k++ {
			t := math.Exp(k * k * f)
			sf += sign * t
			if t == 0 || t < 1e-20*sf {
				break
			}
			sign = -sign
		}
		return 2 * sf
	}
}
