package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Interval is a confidence interval around a metric value. Every part is
// absent when the metric or its interval is undefined for the input.
type Interval struct {
	Value Optional
	Lower Optional
	Upper Optional
}

// Contains reports whether both bounds are present and x lies within them.
func (iv Interval) Contains(x float64) bool {
	return iv.Lower.ok && iv.Upper.ok && iv.Lower.value <= x && x <= iv.Upper.value
}

// NormalQuantile returns Φ⁻¹(p), the quantile of the standard normal
// distribution (scipy.stats.norm.ppf), to full double precision: a first
// estimate refined by Halley steps on Φ computed from math.Erfc in the lower
// tail, where it keeps its relative accuracy. It returns −Inf at 0, +Inf at 1
// and NaN outside [0, 1].
func NormalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	}
	// Work in the lower tail: Φ⁻¹(p) = −Φ⁻¹(1 − p).
	q, sign := p, 1.0
	if p > 0.5 {
		q, sign = 1-p, -1.0
	}
	var x float64
	if q > 1e-8 {
		x = math.Sqrt2 * math.Erfinv(2*q-1)
	} else {
		// Abramowitz & Stegun 26.2.23 (error below 4.5e-4) as the start.
		t := math.Sqrt(-2 * math.Log(q))
		x = -(t - (2.515517+0.802853*t+0.010328*t*t)/(1+1.432788*t+0.189269*t*t+0.001308*t*t*t))
	}
	for range 8 {
		e := 0.5*math.Erfc(-x/math.Sqrt2) - q
		u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
		step := u / (1 + x*u/2)
		x -= step
		if math.Abs(step) <= 1e-16*math.Abs(x) {
			break
		}
	}
	return sign * x
}

// criticalValue returns z = Φ⁻¹(1 − α/2) for a two-sided level 1 − α.
func criticalValue(alpha float64) (float64, error) {
	if !(alpha > 0 && alpha < 1) {
		return 0, fmt.Errorf("alpha must be in (0, 1), got %v", alpha)
	}
	return -NormalQuantile(alpha / 2), nil
}

func validateProportion(x, n int64) error {
	if n < 0 || x < 0 || x > n {
		return fmt.Errorf("a proportion needs 0 ≤ x ≤ n, got x=%d n=%d", x, n)
	}
	return nil
}

// Wilson returns the proportion x/n with its Wilson score interval at level
// 1 − α (statsmodels proportion_confint(x, n, alpha, method="wilson")), the
// bounds clipped to [0, 1]. Everything is absent when n is 0.
func Wilson(x, n int64, alpha float64) (Interval, error) {
	z, err := criticalValue(alpha)
	if err != nil {
		return Interval{}, fmt.Errorf("wilson interval: %w", err)
	}
	if err := validateProportion(x, n); err != nil {
		return Interval{}, fmt.Errorf("wilson interval: %w", err)
	}
	if n == 0 {
		return Interval{}, nil
	}
	lo, hi := wilson(x, n, z)
	return Interval{Value: Some(float64(x) / float64(n)), Lower: Some(clip01(lo)), Upper: Some(clip01(hi))}, nil
}

// wilson returns the unclipped Wilson bounds for n > 0.
func wilson(x, n int64, z float64) (lo, hi float64) {
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	return center - half, center + half
}

func clip01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// RatioInterval returns the ratio of two proportions (xP/nP) / (xQ/nQ) with
// its Katz log interval at level 1 − α: exp(ln r ± z·√(1/xP − 1/nP + 1/xQ −
// 1/nQ)) (statsmodels confint_proportions_2indep(xP, nP, xQ, nQ,
// method="log", compare="ratio")). The value is absent when a group is empty
// or xQ is 0; the bounds are absent as well when xP is 0.
func RatioInterval(xP, nP, xQ, nQ int64, alpha float64) (Interval, error) {
	z, err := criticalValue(alpha)
	if err != nil {
		return Interval{}, fmt.Errorf("ratio interval: %w", err)
	}
	if err := validateProportion(xP, nP); err != nil {
		return Interval{}, fmt.Errorf("ratio interval: protected group: %w", err)
	}
	if err := validateProportion(xQ, nQ); err != nil {
		return Interval{}, fmt.Errorf("ratio interval: reference group: %w", err)
	}
	value := DisparateImpact(Selection{Rows: nP, Selected: xP}, Selection{Rows: nQ, Selected: xQ})
	if !value.ok || xP == 0 || xQ == 0 {
		return Interval{Value: value}, nil
	}
	se := math.Sqrt(1/float64(xP) - 1/float64(nP) + 1/float64(xQ) - 1/float64(nQ))
	logR := math.Log(value.value)
	return Interval{Value: value, Lower: Some(math.Exp(logR - z*se)), Upper: Some(math.Exp(logR + z*se))}, nil
}

// DifferenceInterval returns the difference of two proportions xP/nP − xQ/nQ
// with Newcombe's hybrid score interval at level 1 − α, built from the two
// Wilson intervals (statsmodels confint_proportions_2indep(xP, nP, xQ, nQ,
// method="newcomb", compare="diff")). Everything is absent when a group is
// empty.
func DifferenceInterval(xP, nP, xQ, nQ int64, alpha float64) (Interval, error) {
	z, err := criticalValue(alpha)
	if err != nil {
		return Interval{}, fmt.Errorf("difference interval: %w", err)
	}
	if err := validateProportion(xP, nP); err != nil {
		return Interval{}, fmt.Errorf("difference interval: protected group: %w", err)
	}
	if err := validateProportion(xQ, nQ); err != nil {
		return Interval{}, fmt.Errorf("difference interval: reference group: %w", err)
	}
	if nP == 0 || nQ == 0 {
		return Interval{}, nil
	}
	pP, pQ := float64(xP)/float64(nP), float64(xQ)/float64(nQ)
	loP, hiP := wilson(xP, nP, z)
	loQ, hiQ := wilson(xQ, nQ, z)
	d := pP - pQ
	return Interval{
		Value: Some(d),
		Lower: Some(d - math.Hypot(pP-loP, hiQ-pQ)),
		Upper: Some(d + math.Hypot(hiP-pP, pQ-loQ)),
	}, nil
}

// Adjustment names a multiple-testing adjustment of p-values.
type Adjustment string

// Adjustments of p-values across a family of tests.
const (
	// BenjaminiHochberg controls the false discovery rate
	// (statsmodels multipletests(p, method="fdr_bh")).
	BenjaminiHochberg Adjustment = "bh"
	// Bonferroni controls the family-wise error rate
	// (statsmodels multipletests(p, method="bonferroni")).
	Bonferroni Adjustment = "bonferroni"
)

// AdjustPValues returns the adjusted p-values of a family, in the input's
// order. Absent p-values are not part of the family and stay absent.
//
// Bonferroni: min(1, m·p). Benjamini–Hochberg: with the m present p-values
// sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, p̃₍ᵢ₎ = min over j ≥ i of min(1, m·p₍ⱼ₎/j).
func AdjustPValues(p []Optional, method Adjustment) ([]Optional, error) {
	out := make([]Optional, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if !v.ok {
			continue
		}
		if v.value < 0 || v.value > 1 {
			return nil, fmt.Errorf("adjusting p-values: %v is not a probability", v.value)
		}
		idx = append(idx, i)
	}
	m := float64(len(idx))
	switch method {
	case Bonferroni:
		for _, i := range idx {
			out[i] = Some(math.Min(1, m*p[i].value))
		}
	case BenjaminiHochberg:
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[a].value, p[b].value) })
		running := 1.0
		for k := len(idx) - 1; k >= 0; k-- {
			i := idx[k]
			running = math.Min(running, m*p[i].value/float64(k+1))
			out[i] = Some(running)
		}
	default:
		return nil, fmt.Errorf("adjusting p-values: %q is not an adjustment; one of bh, bonferroni", method)
	}
	return out, nil
}
