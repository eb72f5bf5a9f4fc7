package duckdb

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Values passes fn each group's distinct values of a numeric column with
// their counts. The driver hands over one list per group instead of one row
// per value, which is what makes reading millions of values cheap.
//
// When the scope's records fit within MaxValues, each group's raw values come
// as one list, sorted and counted in Go: DuckDB then groups by the keys only,
// with no hash table over the values. Past it, DuckDB groups by (keys,
// value) first, so only distinct values cross, and the limit applies to them.
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
	raw := req.MaxValues <= 0
	if !raw {
		q := &query{}
		q.write("SELECT count(*) FROM ", m.table())
		if err := m.where(q, req.Scope); err != nil {
			return err
		}
		var records int64
		if err := s.db.QueryRowContext(ctx, q.sql.String(), q.args...).Scan(&records); err != nil {
			return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
		}
		raw = records <= int64(req.MaxValues)
	}
	if raw {
		return s.rawValues(ctx, m, req, col, fn)
	}
	q, err := m.valuesQuery(req, col, raw)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	defer rows.Close()
	nk := len(req.Keys)
	// Columns: the keys, missing, distinct values in all groups (grouped
	// mode only), values, counts (grouped mode only).
	dest, valuesAt := make([]any, nk+2), nk+1
	if !raw {
		dest, valuesAt = make([]any, nk+4), nk+2
	}
	ptrs := make([]any, len(dest))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	var g store.ValueGroup
	var scratch store.SortScratch
	var buf []float64
	first := true
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
		}
		if first && !raw {
			if total, _ := dest[nk+1].(int64); total > int64(req.MaxValues) {
				return fmt.Errorf("%w: %s has %d distinct values in its groups, more than %d", store.ErrTooManyGroups, req.Col, total, req.MaxValues)
			}
		}
		first = false
		g.Keys = make([]store.KeyValue, nk)
		for i := range nk {
			g.Keys[i] = keyValue(dest[i])
		}
		g.Missing, _ = dest[nk].(int64)
		if buf, err = listValues(buf[:0], dest[valuesAt]); err != nil {
			return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
		}
		if raw {
			g.SetRaw(buf, &scratch)
		} else {
			g.Values = append(g.Values[:0], buf...)
			if g.Counts, err = listValues(g.Counts[:0], dest[nk+3]); err != nil || len(g.Counts) != len(g.Values) {
				return fmt.Errorf("values of %s over %q: %d values but %d counts (%v)", req.Col, m.name, len(g.Values), len(g.Counts), err)
			}
			g.SortValues()
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	return nil
}

// valuesQuery writes the SQL of Values: raw lists per group, or (value,
// count) lists after grouping by value, with the number of distinct values
// over all groups.
func (m *modelEntry) valuesQuery(req store.ValuesRequest, col string, raw bool) (*query, error) {
	q := &query{}
	keys := make([]string, len(req.Keys))
	for i := range req.Keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	list := strings.Join(keys, ", ")
	writeKeys := func() error {
		for i, k := range req.Keys {
			if err := m.keyExpr(q, k); err != nil {
				return err
			}
			q.write(" AS ", keys[i], ", ")
		}
		return nil
	}
	if raw {
		q.write("SELECT ")
		if err := writeKeys(); err != nil {
			return nil, err
		}
		q.write("count(*) - count(", col, "), list(", col, ") FILTER (WHERE ", col, " IS NOT NULL) FROM ", m.table())
		if err := m.where(q, req.Scope); err != nil {
			return nil, err
		}
	} else {
		q.write("WITH g AS (SELECT ")
		if err := writeKeys(); err != nil {
			return nil, err
		}
		q.write(col, " AS v, count(*) AS c FROM ", m.table())
		if err := m.where(q, req.Scope); err != nil {
			return nil, err
		}
		q.write(" GROUP BY ALL) SELECT ", list)
		if list != "" {
			q.write(", ")
		}
		q.write("coalesce(sum(c) FILTER (WHERE v IS NULL), 0)::BIGINT, sum(count(v)) OVER ()::BIGINT, ",
			"list(v) FILTER (WHERE v IS NOT NULL), list(c) FILTER (WHERE v IS NOT NULL) FROM g")
	}
	if list != "" {
		q.write(" GROUP BY ", list, " ORDER BY ", list)
	}
	return q, nil
}

// listValues appends a list column's numbers to dst; a NULL list is empty.
func listValues(dst []float64, v any) ([]float64, error) {
	if v == nil {
		return dst, nil
	}
	l, ok := v.([]any)
	if !ok {
		return dst, fmt.Errorf("expected a list, got %T", v)
	}
	for _, e := range l {
		x := measureValue(e)
		if math.IsNaN(x) {
			return dst, fmt.Errorf("unexpected list element %v", e)
		}
		dst = append(dst, x)
	}
	return dst, nil
}

// rawValues is Values within the limit: DuckDB streams the keys and values
// as Arrow columns (readGroups), so no value is boxed into an interface as
// the database/sql driver boxes list elements, and each group is sorted and
// counted in Go.
func (s *Store) rawValues(ctx context.Context, m *modelEntry, req store.ValuesRequest, col string, fn func(store.ValueGroup) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	defer conn.Close()
	var groups []*valueGroup
	err = conn.Raw(func(dc any) error {
		ar, err := arrowOf(dc)
		if err != nil {
			return err
		}
		q, err := streamQuery(m, req.Scope, req.Keys, []string{col})
		if err != nil {
			return err
		}
		groups, err = readGroups(ctx, ar, q, len(req.Keys), 1)
		return err
	})
	if err != nil {
		return fmt.Errorf("values of %s over %q: %w", req.Col, m.name, err)
	}
	var scratch store.SortScratch
	for i, g := range groups {
		vg := store.ValueGroup{Keys: g.keys, Missing: g.missing[0]}
		vg.SetRaw(g.values[0].flat(), &scratch)
		groups[i] = nil // free as we go
		if err := fn(vg); err != nil {
			return err
		}
	}
	return nil
}
