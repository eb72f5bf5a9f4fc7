package duckdb

import (
	"context"
	"fmt"
	"math"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Values passes fn each group's distinct values of a numeric column with
// their counts. DuckDB groups by (keys, value), then folds each group's values
// into two lists: the driver hands over a list per group instead of a row per
// value, which is what makes reading millions of values cheap. The lists come
// unordered (ordering them in SQL costs more than sorting in Go).
func (s *Store) Values(ctx context.Context, req store.ValuesRequest, fn func(store.ValueGroup) error) error {
	m := s.model(req.Scope.Model)
	if m == nil {
		return fmt.Errorf("model %q: %w", req.Scope.Model, store.ErrUnknownModel)
	}
	col, kind, err := m.column(req.Col)
	if err != nil {
		return err
	}
	if kind != store.Numeric {
		return fmt.Errorf("%w: %s is categorical; values are read from numeric columns", store.ErrTypeMismatch, req.Col)
	}
	q := &query{}
	q.write("WITH g AS (SELECT ")
	keys := ""
	for i, k := range req.Keys {
		if err := m.keyExpr(q, k); err != nil {
			return err
		}
		name := fmt.Sprintf("k%d", i)
		q.write(" AS ", name, ", ")
		keys += name + ", "
	}
	q.write(col, " AS v, count(*) AS c FROM ", m.table())
	if err := m.where(q, req.Scope); err != nil {
		return err
	}
	q.write(" GROUP BY ALL) SELECT ", keys,
		"coalesce(sum(c) FILTER (WHERE v IS NULL), 0)::BIGINT, count(v), sum(count(v)) OVER ()::BIGINT, ",
		"list(v) FILTER (WHERE v IS NOT NULL), list(c) FILTER (WHERE v IS NOT NULL) FROM g")
	if len(req.Keys) > 0 {
		q.write(" GROUP BY ", keys[:len(keys)-2], " ORDER BY ", keys[:len(keys)-2])
	}
	rows, err := s.db.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	defer rows.Close()
	nk := len(req.Keys)
	dest := make([]any, nk+5)
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	var g store.ValueGroup
	first := true
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
		}
		if first {
			first = false
			if total, _ := dest[nk+2].(int64); req.MaxValues > 0 && total > int64(req.MaxValues) {
				return fmt.Errorf("%w: %s has %d distinct values in its groups, more than %d", store.ErrTooManyGroups, req.Col, total, req.MaxValues)
			}
		}
		g.Keys = make([]store.KeyValue, nk)
		for i := range nk {
			g.Keys[i] = keyValue(dest[i])
		}
		g.Missing, _ = dest[nk].(int64)
		vs, _ := dest[nk+3].([]any)
		cs, _ := dest[nk+4].([]any)
		if len(vs) != len(cs) {
			return fmt.Errorf("values of %s over %q: %d values but %d counts", req.Col, m.name, len(vs), len(cs))
		}
		g.Values, g.Counts = g.Values[:0], g.Counts[:0]
		for i, v := range vs {
			x := measureValue(v)
			c, _ := cs[i].(int64)
			if math.IsNaN(x) || c <= 0 {
				return fmt.Errorf("values of %s over %q: unexpected value %v (count %v)", req.Col, m.name, v, cs[i])
			}
			g.Values = append(g.Values, x)
			g.Counts = append(g.Counts, float64(c))
		}
		g.SortValues()
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	return nil
}
