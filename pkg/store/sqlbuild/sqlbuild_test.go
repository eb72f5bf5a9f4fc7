package sqlbuild

import (
	"math"
	"reflect"
	"testing"
)

// TestBin checks the SQL text and argument order of both dialects, for a
// linear count, an unsorted list, NaN edges and a tree past the leaf size.
func TestBin(t *testing.T) {
	tree := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	leafHi := "5 + (x > ?)::INTEGER + (x > ?)::INTEGER + (x > ?)::INTEGER + (x > ?)::INTEGER"
	leafLo := "0 + (x > ?)::INTEGER + (x > ?)::INTEGER + (x > ?)::INTEGER + (x > ?)::INTEGER"
	chHi := "5 + toInt64(x > ?) + toInt64(x > ?) + toInt64(x > ?) + toInt64(x > ?)"
	chLo := "0 + toInt64(x > ?) + toInt64(x > ?) + toInt64(x > ?) + toInt64(x > ?)"
	cases := []struct {
		name  string
		d     Dialect
		edges []float64
		sql   string
		args  []any
	}{
		{"duckdb none", DuckDB, nil, "0", nil},
		{"duckdb linear", DuckDB, []float64{1, 2}, "0 + (x > ?)::INTEGER + (x > ?)::INTEGER", []any{1.0, 2.0}},
		{"duckdb unsorted", DuckDB, []float64{2, 1}, "0 + (x > ?)::INTEGER + (x > ?)::INTEGER", []any{2.0, 1.0}},
		{"clickhouse linear", ClickHouse, []float64{1, 2}, "0 + toInt64(x > ?) + toInt64(x > ?)", []any{1.0, 2.0}},
		{"duckdb tree", DuckDB, tree, "CASE WHEN x > ? THEN " + leafHi + " ELSE " + leafLo + " END",
			[]any{5.0, 6.0, 7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 4.0}},
		{"clickhouse tree", ClickHouse, tree, "if(x > ?, " + chHi + ", " + chLo + ")",
			[]any{5.0, 6.0, 7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 4.0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args := Bin(c.d, "x", c.edges)
			if sql != c.sql {
				t.Errorf("sql\n got %s\nwant %s", sql, c.sql)
			}
			if !reflect.DeepEqual(args, c.args) {
				t.Errorf("args got %v want %v", args, c.args)
			}
		})
	}
	// NaN edges are not sorted for the tree: counted one by one.
	nan := append(append([]float64{}, tree...), math.NaN())
	if sql, args := Bin(DuckDB, "x", nan); len(args) != len(nan) || sql[:1] != "0" {
		t.Errorf("NaN edges: got %s with %d args", sql, len(args))
	}
}

func TestStringArgs(t *testing.T) {
	if got := StringArgs([]string{"a", "b"}); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("got %v", got)
	}
	if !HasNaN([]float64{1, math.NaN()}) || HasNaN([]float64{1, 2}) {
		t.Error("HasNaN")
	}
}
