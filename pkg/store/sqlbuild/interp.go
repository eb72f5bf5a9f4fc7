package sqlbuild

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CheckInterp validates the points of a SumInterp measure: at least one,
// knots strictly ascending, every number finite.
func CheckInterp(knots, at []float64) error {
	if len(knots) == 0 || len(knots) != len(at) {
		return fmt.Errorf("interpolation: %d knots and %d values; want the same number, at least one", len(knots), len(at))
	}
	for i, k := range knots {
		if math.IsNaN(k) || math.IsInf(k, 0) || math.IsNaN(at[i]) || math.IsInf(at[i], 0) {
			return fmt.Errorf("interpolation: point %d (%v, %v) is not finite", i, k, at[i])
		}
		if i > 0 && !(k > knots[i-1]) {
			return fmt.Errorf("interpolation: knot %d (%v) is not above knot %d (%v)", i, k, i-1, knots[i-1])
		}
	}
	return nil
}

// Interp returns f(col), the piecewise-linear interpolation of SumInterp, as
// a balanced tree of conditionals, so a row costs about log2(len(knots))
// comparisons: piece 0 is col ≤ knots[0] (at[0]), piece i covers
// (knots[i−1], knots[i]] (at[i−1] + slope·(col − knots[i−1])), piece
// len(knots) is col > the last knot (the last value). With literals the
// numbers are written into the text (shortest round-trip form with an
// exponent, which SQL engines read as a correctly rounded double) instead of
// being placeholders. col must not be NULL (the caller guards it).
func Interp(d Dialect, col string, knots, at []float64, literals bool) (string, []any) {
	var b strings.Builder
	var args []any
	num := func(v float64) {
		if literals {
			b.WriteString("(" + strconv.FormatFloat(v, 'e', -1, 64) + ")")
			return
		}
		b.WriteString("?")
		args = append(args, v)
	}
	var tree func(lo, hi int)
	tree = func(lo, hi int) {
		if lo == hi {
			switch n := len(knots); {
			case lo == 0:
				num(at[0])
			case lo == n:
				num(at[n-1])
			default:
				slope := (at[lo] - at[lo-1]) / (knots[lo] - knots[lo-1])
				b.WriteString("(")
				num(at[lo-1])
				b.WriteString(" + ")
				num(slope)
				b.WriteString(" * (" + col + " - ")
				num(knots[lo-1])
				b.WriteString("))")
			}
			return
		}
		// Pieces lo..mid hold col ≤ knots[mid].
		mid := (lo + hi) / 2
		b.WriteString(d.IfOpen + col + " <= ")
		num(knots[mid])
		b.WriteString(d.IfThen)
		tree(lo, mid)
		b.WriteString(d.IfElse)
		tree(mid+1, hi)
		b.WriteString(d.IfClose)
	}
	tree(0, len(knots))
	return b.String(), args
}
