package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ShareFloor is the smoothing floor for PSI and KL: shares below it are raised to
// it, without renormalising.
const ShareFloor = 1e-4

// ErrBinMismatch is returned when two histograms do not share the same bins.
var ErrBinMismatch = errors.New("histograms have different bins")

// HistogramDrift holds the drift metrics of two histograms over the same bins.
type HistogramDrift struct {
	PSI       float64
	KL        float64
	JS        float64
	Hellinger float64
	ChiSquare ChiSquareTest
}

// ChiSquareTest is Pearson's χ² test of homogeneity on the 2×K table of bin counts.
type ChiSquareTest struct {
	Statistic float64
	PValue    float64
	// DoF is the number of bins with a non-zero total, minus one.
	DoF int
}

// DriftOfHistograms computes all histogram drift metrics of current against
// reference. Both histograms must use the same bins (same edges or categories).
func DriftOfHistograms(reference, current Histogram) (HistogramDrift, error) {
	p, q, err := shares(reference, current)
	if err != nil {
		return HistogramDrift{}, fmt.Errorf("histogram drift: %w", err)
	}
	chi, err := ChiSquare(reference, current)
	if err != nil {
		return HistogramDrift{}, fmt.Errorf("histogram drift: %w", err)
	}
	return HistogramDrift{
		PSI:       psiOf(p, q),
		KL:        klOf(p, q),
		JS:        jsOf(p, q),
		Hellinger: hellingerOf(p, q),
		ChiSquare: chi,
	}, nil
}

// PSI returns the population stability index Σ (q'−p')·ln(q'/p') on shares
// smoothed with ShareFloor.
func PSI(reference, current Histogram) (float64, error) {
	p, q, err := shares(reference, current)
	if err != nil {
		return 0, fmt.Errorf("psi: %w", err)
	}
	return psiOf(p, q), nil
}

// KL returns KL(reference ‖ current) = Σ p'·ln(p'/q') on shares smoothed with
// ShareFloor.
func KL(reference, current Histogram) (float64, error) {
	p, q, err := shares(reference, current)
	if err != nil {
		return 0, fmt.Errorf("kl: %w", err)
	}
	return klOf(p, q), nil
}

// JensenShannon returns the Jensen–Shannon distance in base 2 (0…1) on unsmoothed
// shares, as scipy.spatial.distance.jensenshannon(p, q, base=2).
func JensenShannon(reference, current Histogram) (float64, error) {
	p, q, err := shares(reference, current)
	if err != nil {
		return 0, fmt.Errorf("js: %w", err)
	}
	return jsOf(p, q), nil
}

// Hellinger returns the Hellinger distance sqrt(1 − Σ sqrt(p·q)) on unsmoothed
// shares.
func Hellinger(reference, current Histogram) (float64, error) {
	p, q, err := shares(reference, current)
	if err != nil {
		return 0, fmt.Errorf("hellinger: %w", err)
	}
	return hellingerOf(p, q), nil
}

// shares returns the share of each bin in each sample, over all values. The missing
// bin is appended when either sample has a missing value.
func shares(reference, current Histogram) (p, q []float64, err error) {
	refCounts, curCounts, err := table(reference, current)
	if err != nil {
		return nil, nil, err
	}
	p, err = normalise(refCounts)
	if err != nil {
		return nil, nil, fmt.Errorf("reference: %w", err)
	}
	q, err = normalise(curCounts)
	if err != nil {
		return nil, nil, fmt.Errorf("current: %w", err)
	}
	return p, q, nil
}

// table returns the two rows of bin counts, the missing bin last when present.
func table(reference, current Histogram) (ref, cur []int64, err error) {
	if len(reference.Counts) != len(current.Counts) {
		return nil, nil, fmt.Errorf("%w: reference has %d bins, current %d", ErrBinMismatch, len(reference.Counts), len(current.Counts))
	}
	if err := validateHistogram(reference); err != nil {
		return nil, nil, fmt.Errorf("reference: %w", err)
	}
	if err := validateHistogram(current); err != nil {
		return nil, nil, fmt.Errorf("current: %w", err)
	}
	ref, cur = reference.Counts, current.Counts
	if reference.Missing > 0 || current.Missing > 0 {
		ref = append(ref[:len(ref):len(ref)], reference.Missing)
		cur = append(cur[:len(cur):len(cur)], current.Missing)
	}
	return ref, cur, nil
}

func validateHistogram(h Histogram) error {
	if h.Missing < 0 {
		return fmt.Errorf("missing count %d is negative", h.Missing)
	}
	for i, c := range h.Counts {
		if c < 0 {
			return fmt.Errorf("bin %d: count %d is negative", i, c)
		}
	}
	return nil
}

func normalise(counts []int64) ([]float64, error) {
	var total int64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return nil, ErrEmptySample
	}
	s := make([]float64, len(counts))
	for i, c := range counts {
		s[i] = float64(c) / float64(total)
	}
	return s, nil
}

func psiOf(p, q []float64) float64 {
	var sum compensatedSum
	for i := range p {
		ps, qs := math.Max(p[i], ShareFloor), math.Max(q[i], ShareFloor)
		sum.add((qs - ps) * math.Log(qs/ps))
	}
	return sum.value()
}

func klOf(p, q []float64) float64 {
	var sum compensatedSum
	for i := range p {
		ps, qs := math.Max(p[i], ShareFloor), math.Max(q[i], ShareFloor)
		sum.add(ps * math.Log(ps/qs))
	}
	return sum.value()
}

func jsOf(p, q []float64) float64 {
	var left, right compensatedSum
	for i := range p {
		m := (p[i] + q[i]) / 2
		left.add(relativeEntropy(p[i], m))
		right.add(relativeEntropy(q[i], m))
	}
	js := (left.value() + right.value()) / math.Ln2
	// Rounding can leave a tiny negative value for identical distributions.
	return math.Sqrt(math.Max(js/2, 0))
}

// relativeEntropy is x·ln(x/y) with the convention 0·ln(0/y) = 0.
func relativeEntropy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x/y)
}

// hellingerOf uses ½·Σ(√p − √q)², which equals 1 − Σ√(p·q) for shares summing to
// one but does not cancel catastrophically when the samples are close.
func hellingerOf(p, q []float64) float64 {
	var sum compensatedSum
	for i := range p {
		d := math.Sqrt(p[i]) - math.Sqrt(q[i])
		sum.add(d * d)
	}
	return math.Sqrt(sum.value() / 2)
}

// ChiSquare runs Pearson's χ² test (no Yates correction) on the 2×K table of
// reference and current bin counts, missing bin included when present and bins
// with a zero total dropped, as scipy.stats.chi2_contingency(correction=False).
// With fewer than two non-empty bins the statistic is 0 and the p-value 1.
func ChiSquare(reference, current Histogram) (ChiSquareTest, error) {
	ref, cur, err := table(reference, current)
	if err != nil {
		return ChiSquareTest{}, fmt.Errorf("chi2: %w", err)
	}
	var refTotal, curTotal int64
	for i := range ref {
		refTotal += ref[i]
		curTotal += cur[i]
	}
	if refTotal == 0 {
		return ChiSquareTest{}, fmt.Errorf("chi2: reference: %w", ErrEmptySample)
	}
	if curTotal == 0 {
		return ChiSquareTest{}, fmt.Errorf("chi2: current: %w", ErrEmptySample)
	}
	total := float64(refTotal + curTotal)
	var stat compensatedSum
	columns := 0
	for i := range ref {
		col := float64(ref[i] + cur[i])
		if col == 0 {
			continue
		}
		columns++
		for _, cell := range [2]struct{ observed, rowTotal float64 }{
			{float64(ref[i]), float64(refTotal)},
			{float64(cur[i]), float64(curTotal)},
		} {
			expected := cell.rowTotal * col / total
			d := cell.observed - expected
			stat.add(d * d / expected)
		}
	}
	dof := columns - 1
	if dof < 1 {
		return ChiSquareTest{Statistic: 0, PValue: 1, DoF: 0}, nil
	}
	chi := stat.value()
	return ChiSquareTest{
		Statistic: chi,
		PValue:    distuv.ChiSquared{K: float64(dof)}.Survival(chi),
		DoF:       dof,
	}, nil
}
