package metrics

import (
	"math"
	"sort"
)

// KSOfSorted is the two-sample Kolmogorov–Smirnov statistic D = max |F_r − F_c|
// of two samples given as raw values sorted ascending (repeats allowed, no
// NaN), as scipy.stats.ks_2samp; 0 when either sample is empty.
//
// The supremum is reached at the current sample's jump points: between two
// consecutive distinct current values F_c is constant and F_r does not
// decrease, so |F_r − F_c| is largest at one end. For each distinct current
// value c it is enough to compare F_r(c) with F_c(c) and F_r(c−) with F_c(c−),
// two positions in the reference found by galloping from the previous ones.
// The cost is O(m·log(n/m)) rather than O(n + m), and D is the value the walk
// over every point of both samples gives, to the last bit: the same counts
// enter the same quotients.
func KSOfSorted(reference, current []float64) float64 {
	if len(reference) == 0 || len(current) == 0 {
		return 0
	}
	n, m := float64(len(reference)), float64(len(current))
	d := 0.0
	i := 0
	for j := 0; j < len(current); {
		c := current[j]
		i = gallop(reference, i, func(x float64) bool { return x >= c })
		d = math.Max(d, math.Abs(float64(i)/n-float64(j)/m)) // just below c
		i = gallop(reference, i, func(x float64) bool { return x > c })
		for j < len(current) && current[j] == c {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/n-float64(j)/m)) // at c
	}
	return d
}

// KSPValue is the asymptotic p-value of a KS statistic d between samples of
// n and m values, Q(sqrt(n·m/(n+m))·d), as KSOfSamples computes it.
func KSPValue(d, n, m float64) float64 {
	en := n * m / (n + m)
	return KolmogorovSurvival(math.Sqrt(en) * d)
}

// gallop returns the first index k ≥ i of the sorted xs with stop(xs[k])
// (len(xs) if none), probing 1, 2, 4 … ahead and then bisecting, so a short
// step costs a few comparisons and a long one O(log step).
func gallop(xs []float64, i int, stop func(float64) bool) int {
	if i >= len(xs) || stop(xs[i]) {
		return i
	}
	lo, step := i, 1 // xs[lo] does not stop
	for {
		hi := lo + step
		if hi >= len(xs) {
			hi = len(xs)
			return lo + 1 + sort.Search(hi-lo-1, func(k int) bool { return stop(xs[lo+1+k]) })
		}
		if stop(xs[hi]) {
			return lo + 1 + sort.Search(hi-lo-1, func(k int) bool { return stop(xs[lo+1+k]) })
		}
		lo, step = hi, step*2
	}
}

// WassersteinOfSorted is the first Wasserstein distance ∫ |F_r − F_c| of two
// samples given as raw values sorted ascending (repeats allowed, no NaN), as
// scipy.stats.wasserstein_distance; 0 when either sample is empty. See
// DistancesOfSorted.
func WassersteinOfSorted(reference, current []float64) float64 {
	_, w := DistancesOfSorted(reference, current)
	return w
}

// DistancesOfSorted returns both KSOfSorted's D and WassersteinOfSorted's
// distance from one walk over the distinct values of both samples (sorted
// ascending, repeats allowed, no NaN); 0 and 0 when either is empty.
//
// The walk keeps the CDFs' gap as the integer |i·m − j·n| (i, j the counts
// so far of n reference and m current values), so a step costs no division:
// W sums gap × width with Neumaier's compensation and divides by n·m once,
// within a few ulps of scipy's sum. D is |i/n − j/m| in floating point, as
// scipy computes it, evaluated where the integer gap reaches its maximum:
// for n·m below 2⁴⁹ distinct integer gaps differ by more than the rounding
// of the quotients, so D is the maximum of every point's quotient to the
// last bit, as KSOfSorted's.
func DistancesOfSorted(reference, current []float64) (ks, w float64) {
	nr, nc := len(reference), len(current)
	if nr == 0 || nc == 0 {
		return 0, 0
	}
	n, m := int64(nr), int64(nc)
	fn, fm := float64(nr), float64(nc)
	// Gaps within slack of the largest may round above it (only when n·m
	// is 2⁴⁹ or more).
	slack := n * m >> 49
	best := int64(-1)
	var sum compensatedSum
	i, j := 0, 0
	// prev is the last distinct value passed, gap the integer gap after it
	// (0 before the first value, so the first width adds nothing).
	var prev float64
	var gap int64
	at := func() {
		gap = int64(i)*m - int64(j)*n
		if gap < 0 {
			gap = -gap
		}
		if gap+slack >= best {
			best = max(best, gap)
			ks = math.Max(ks, math.Abs(float64(i)/fn-float64(j)/fm))
		}
	}
	for {
		// The reference's values below the next current value: F_c stays
		// j/m, so the run is summed in a tight loop and added with
		// compensation once.
		c := math.Inf(1)
		if j < nc {
			c = current[j]
		}
		// The run of values below c: each value adds the gap before it times its
		// distance from the previous value (a repeated value adds 0), and
		// moves the signed gap i·m − j·n, exact in a float64, by m. |gap| is
		// V-shaped over the run, so D needs only its end (its start was
		// checked before).
		if i < nr && reference[i] < c {
			jn := int64(j) * n
			sg := float64(int64(i)*m - jn)
			run := 0.0
			for ; i < nr; i++ {
				v := reference[i]
				if v >= c {
					break
				}
				run += math.Abs(sg) * (v - prev)
				sg += fm
				prev = v
			}
			sum.add(run)
			gap = int64(i)*m - jn
			if gap < 0 {
				gap = -gap
			}
			if gap+slack >= best {
				best = max(best, gap)
				ks = math.Max(ks, math.Abs(float64(i)/fn-float64(j)/fm))
			}
		}
		if j == nc {
			break
		}
		// The current value c, with the reference's values equal to it.
		sum.add(float64(gap) * (c - prev))
		for j++; j < nc && current[j] == c; j++ {
		}
		for i < nr && reference[i] == c {
			i++
		}
		at()
		prev = c
	}
	return ks, sum.value() / (fn * fm)
}

// PopulationStdOfValues is the population standard deviation (ddof = 0) of raw
// values, with the mean and the squared deviations summed with compensation,
// as Summary.PopulationStd; NaN when xs is empty.
func PopulationStdOfValues(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s compensatedSum
	for _, x := range xs {
		s.add(x)
	}
	n := float64(len(xs))
	mean := s.value() / n
	var ss compensatedSum
	for _, x := range xs {
		d := x - mean
		ss.add(d * d)
	}
	return math.Sqrt(ss.value() / n)
}
