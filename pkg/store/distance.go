package store

import (
	"sort"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
)

// CDFDistancesRequest asks the store for the two-sample KS statistic and/or
// the first Wasserstein distance between a reference sample and each group
// of a current scope, for several numeric columns in one call. It is how the
// drift query compares distributions value by value (ks, ks_pvalue,
// wasserstein, wasserstein_norm) without moving the raw values out of the
// store: one CDFDistanceRow per (group, column) comes back.
type CDFDistancesRequest struct {
	// Reference selects the reference records: one fixed sample, the same
	// for every group.
	Reference Scope
	// Current selects the current records, split into groups by Keys (for
	// example the time bucket and the version).
	Current Scope
	Keys    []Key
	// Cols are numeric columns (ErrTypeMismatch for a categorical one).
	Cols []Column
	// KS and Wasserstein say which distances to compute; the other field of
	// the row is NaN.
	KS, Wasserstein bool
	// Bins, when set, asks for histograms too, so one pass over the values
	// serves the binned metrics (PSI, JS, …) as well: the edges come from
	// the reference (BinSpec), and each row carries the reference's and the
	// group's counts per bin. Current records whose value is null are then
	// counted (CurMissing) and form groups of their own when they are all a
	// group holds.
	Bins *BinSpec
	// MaxGroups bounds the groups of the current scope: the store fails
	// with ErrTooManyGroups past it, before any row is passed on (0: no
	// bound).
	MaxGroups int
}

// CDFDistanceRow is one group's distances for one column.
//
// Definitions (METRICS.md): with F_r and F_c the empirical CDFs of the
// non-missing values of the reference and of the group,
//
//   - KS is D = sup |F_r − F_c|, as scipy.stats.ks_2samp's statistic;
//   - Wasserstein is ∫ |F_r − F_c| dx, as scipy.stats.wasserstein_distance
//     (within 1e-9 relative);
//
// both NaN when either sample has no value (RefN or CurN is 0). Missing
// values (null) are counted apart and take no part in either distance.
type CDFDistanceRow struct {
	// Keys are the group's key values, in the order of the request's Keys.
	Keys []KeyValue
	// Col is the column's index in the request's Cols.
	Col int
	// RefN and CurN count the non-missing values of the reference and of
	// the group; RefMissing and CurMissing the records whose value is null.
	RefN, CurN             int64
	RefMissing, CurMissing int64
	// KS and Wasserstein are the distances asked for, NaN otherwise.
	KS, Wasserstein float64
	// RefStd is the population standard deviation (ddof = 0) of the
	// reference values (NaN when it has none), which normalises the
	// Wasserstein distance.
	RefStd float64
	// Edges are the column's bin edges (the same in every row of the
	// column) and RefBins, CurBins the counts per bin, when the request
	// asks for Bins: len(Edges)+1 bins, bin i holding the values v with
	// Edges[i-1] < v <= Edges[i] (numpy.searchsorted side "left" on the
	// edges, as a KeyBin key). Missing values are not in any bin.
	Edges            []float64
	RefBins, CurBins []int64
	// Approx is 0 when KS and Wasserstein are exact. A store that compresses
	// the values sets it to the bound of its error: KS within ±Approx, the
	// Wasserstein distance within ±Approx × Wasserstein.
	Approx float64
}

// BinSpec says how bin edges are taken from the reference's non-missing
// values: "quantile" (numpy.quantile's linear method at k/Bins, k = 1…Bins−1,
// repeated edges dropped) or "uniform" (the interior points of
// numpy.linspace(min, max, Bins+1)). No values or Bins < 2: no edges.
type BinSpec struct {
	Strategy string
	Bins     int
}

// BinCounts counts values in any order, given in chunks, into the bins of
// sorted edges as BinCountsOfSorted does (metrics.BinIndex): len(edges)+1
// counts, value v in the bin of the number of edges below it.
func BinCounts(edges []float64, chunks ...[]float64) []int64 {
	counts := make([]int64, len(edges)+1)
	for _, chunk := range chunks {
		for _, v := range chunk {
			counts[metrics.BinIndex(edges, v)]++
		}
	}
	return counts
}

// BinCountsOfSorted counts sorted values into the bins of sorted edges (see
// CDFDistanceRow.Edges): len(edges)+1 counts.
func BinCountsOfSorted(sorted, edges []float64) []int64 {
	counts := make([]int64, len(edges)+1)
	prev := 0
	for i, e := range edges {
		// The first value above e starts the next bin.
		n := prev + sort.Search(len(sorted)-prev, func(j int) bool { return sorted[prev+j] > e })
		counts[i] = int64(n - prev)
		prev = n
	}
	counts[len(edges)] = int64(len(sorted) - prev)
	return counts
}
