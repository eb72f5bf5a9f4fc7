// Package sqlbuild holds the SQL-writing logic the DuckDB and ClickHouse stores
// share: the bin index of a value among sorted edges, and small argument
// helpers. What differs between the two SQL dialects is named in a Dialect;
// each store keeps only what is its own.
package sqlbuild

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Dialect holds the SQL fragments that differ between the stores. Both use
// "?" placeholders.
type Dialect struct {
	// IfOpen, IfThen, IfElse and IfClose write a conditional expression:
	// IfOpen cond IfThen a IfElse b IfClose.
	IfOpen, IfThen, IfElse, IfClose string
	// BoolIntOpen and BoolIntClose turn a boolean expression into 0 or 1.
	BoolIntOpen, BoolIntClose string
}

// DuckDB is the dialect of DuckDB.
var DuckDB = Dialect{
	IfOpen: "CASE WHEN ", IfThen: " THEN ", IfElse: " ELSE ", IfClose: " END",
	BoolIntOpen: "(", BoolIntClose: ")::INTEGER",
}

// ClickHouse is the dialect of ClickHouse (18.16 and later).
var ClickHouse = Dialect{
	IfOpen: "if(", IfThen: ", ", IfElse: ", ", IfClose: ")",
	BoolIntOpen: "toInt64(", BoolIntClose: ")",
}

// BinLeaf is the largest run of edges compared one by one; above it the
// balanced tree splits.
const BinLeaf = 8

// Bin returns an expression giving the number of edges below col (the bin
// index, as numpy.searchsorted with side="left" on sorted edges) and its
// arguments in placeholder order. Sorted edges without NaN get a balanced
// tree of conditionals, so a row costs O(log n) comparisons; other edges are
// counted one by one. col must not be NULL (the caller guards it).
func Bin(d Dialect, col string, edges []float64) (string, []any) {
	var b strings.Builder
	var args []any
	if sort.Float64sAreSorted(edges) && !HasNaN(edges) {
		binSearch(&b, &args, d, col, edges, 0)
	} else {
		binCount(&b, &args, d, col, edges, 0)
	}
	return b.String(), args
}

// binCount writes base + the number of edges below col, one term an edge.
func binCount(b *strings.Builder, args *[]any, d Dialect, col string, edges []float64, base int) {
	b.WriteString(fmt.Sprint(base))
	for _, e := range edges {
		b.WriteString(" + " + d.BoolIntOpen + col + " > ?" + d.BoolIntClose)
		*args = append(*args, e)
	}
}

// binSearch writes base + the number of sorted edges below col as a balanced
// tree: when col is above the middle edge, every edge up to it is below col.
func binSearch(b *strings.Builder, args *[]any, d Dialect, col string, edges []float64, base int) {
	if len(edges) <= BinLeaf {
		binCount(b, args, d, col, edges, base)
		return
	}
	mid := len(edges) / 2
	b.WriteString(d.IfOpen + col + " > ?" + d.IfThen)
	*args = append(*args, edges[mid])
	binSearch(b, args, d, col, edges[mid+1:], base+mid+1)
	b.WriteString(d.IfElse)
	binSearch(b, args, d, col, edges[:mid], base)
	b.WriteString(d.IfClose)
}

// HasNaN reports whether xs holds a NaN.
func HasNaN(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

// StringArgs returns ss as query arguments.
func StringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
