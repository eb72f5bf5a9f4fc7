package store

import "slices"

// ValuesRequest asks for the distinct values of one numeric column, with how
// many records hold each, per group of a scope. KS and the Wasserstein
// distance need every value of both samples; this is how they reach Go in a
// few columns instead of one row per value.
type ValuesRequest struct {
	Scope Scope
	Keys  []Key
	Col   Column
	// MaxValues bounds the (group, value) pairs; the store fails with
	// ErrTooManyGroups past it, before any group is passed on.
	MaxValues int
}

// ValueGroup is one group's values: Values sorted ascending and distinct,
// Counts[i] records holding Values[i], and Missing records whose value is
// null. A group whose records all miss the value has no Values.
type ValueGroup struct {
	Keys    []KeyValue
	Values  []float64
	Counts  []float64
	Missing int64
}

// Total is the number of non-missing values.
func (g *ValueGroup) Total() float64 {
	var t float64
	for _, c := range g.Counts {
		t += c
	}
	return t
}

// SortValues sorts a group's values ascending, keeping each count with its
// value. Stores that read the values unordered call it before passing the
// group on (sorting a group in Go is cheaper than in SQL).
func (g *ValueGroup) SortValues() {
	if slices.IsSorted(g.Values) {
		return
	}
	// Continuous values are mostly distinct: when every count is one, the
	// values sort alone.
	if !slices.ContainsFunc(g.Counts, func(c float64) bool { return c != 1 }) {
		slices.Sort(g.Values)
		return
	}
	type pair struct{ v, c float64 }
	ps := make([]pair, len(g.Values))
	for i, v := range g.Values {
		ps[i] = pair{v, g.Counts[i]}
	}
	// Values are never NaN, so plain comparisons order them.
	slices.SortFunc(ps, func(a, b pair) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	for i, p := range ps {
		g.Values[i], g.Counts[i] = p.v, p.c
	}
}
