package store

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
	// Approx is 0 when KS and Wasserstein are exact. A store that compresses
	// the values sets it to the bound of its error: KS within ±Approx, the
	// Wasserstein distance within ±Approx × Wasserstein.
	Approx float64
}
