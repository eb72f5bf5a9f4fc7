package store

import (
	"fmt"
	"math"
)

// Conditional spells a two-way conditional expression in a store's SQL:
// If + condition + Then + value + Else + value + End.
type Conditional struct{ If, Then, Else, End string }

// CheckInterp validates the points of a SumInterp measure: at least one,
// knots strictly ascending, every number finite.
func CheckInterp(knots, values []float64) error {
	if len(knots) == 0 || len(knots) != len(values) {
		return fmt.Errorf("interpolation: %d knots and %d values; want the same number, at least one", len(knots), len(values))
	}
	for i, k := range knots {
		if math.IsNaN(k) || math.IsInf(k, 0) || math.IsNaN(values[i]) || math.IsInf(values[i], 0) {
			return fmt.Errorf("interpolation: point %d (%v, %v) is not finite", i, k, values[i])
		}
		if i > 0 && !(k > knots[i-1]) {
			return fmt.Errorf("interpolation: knot %d (%v) is not above knot %d (%v)", i, k, i-1, knots[i-1])
		}
	}
	return nil
}

// WriteInterp writes f(col), the piecewise-linear interpolation of SumInterp,
// as a balanced tree of conditionals, so a row costs about log2(len(knots))
// comparisons: piece 0 is col ≤ knots[0] (values[0]), piece i covers
// (knots[i−1], knots[i]] (values[i−1] + slope·(col − knots[i−1])), piece
// len(knots) is col > the last knot (the last value). write appends SQL text,
// arg appends a bound number. col must not be null (the caller guards it).
func WriteInterp(write func(...string), arg func(any), c Conditional, col string, knots, values []float64) {
	var tree func(lo, hi int)
	tree = func(lo, hi int) {
		if lo == hi {
			switch n := len(knots); {
			case lo == 0:
				arg(values[0])
			case lo == n:
				arg(values[n-1])
			default:
				slope := (values[lo] - values[lo-1]) / (knots[lo] - knots[lo-1])
				write("(")
				arg(values[lo-1])
				write(" + ")
				arg(slope)
				write(" * (", col, " - ")
				arg(knots[lo-1])
				write("))")
			}
			return
		}
		// Pieces lo..mid hold col ≤ knots[mid].
		mid := (lo + hi) / 2
		write(c.If, col, " <= ")
		arg(knots[mid])
		write(c.Then)
		tree(lo, mid)
		write(c.Else)
		tree(mid+1, hi)
		write(c.End)
	}
	tree(0, len(knots))
}
