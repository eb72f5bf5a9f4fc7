package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// CDFDistances computes KS and Wasserstein inside ClickHouse, one query per
// column: the reference's and each group's (distinct value, count) pairs
// become arrays, merged and sorted by value; cumulative counts give both
// empirical CDFs at every value, and
//
//	D = max |F_r − F_c| at the last entry of each value,
//	W = Σ |F_r − F_c| × (next value − value),
//
// as scipy's ks_2samp and wasserstein_distance. Only one row per (group,
// column) crosses into Go. The reference's population standard deviation
// comes from the same pairs.
func (s *Store) CDFDistances(ctx context.Context, req store.CDFDistancesRequest, fn func(store.CDFDistanceRow) error) error {
	cm, err := s.model(ctx, req.Current.Model)
	if err != nil {
		return err
	}
	rm, err := s.model(ctx, req.Reference.Model)
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	for _, c := range req.Cols {
		if _, kind, err := cm.column(&query{}, c); err != nil {
			return err
		} else if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical; KS and Wasserstein compare numeric columns", store.ErrTypeMismatch, c)
		}
		if _, kind, err := rm.column(&query{}, c); err != nil {
			return fmt.Errorf("reference: %w", err)
		} else if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical in the reference", store.ErrTypeMismatch, c)
		}
	}
	var all []store.CDFDistanceRow
	for i, c := range req.Cols {
		rows, err := s.columnDistances(ctx, rm, cm, req, c)
		if err != nil {
			return fmt.Errorf("distances of %s: %w", c, err)
		}
		if req.MaxGroups > 0 && len(rows) > req.MaxGroups {
			return fmt.Errorf("%w: more than %d groups", store.ErrTooManyGroups, req.MaxGroups)
		}
		for k := range rows {
			rows[k].Col = i
		}
		all = append(all, rows...)
	}
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// pairs writes the (value, count) pairs of a column over a scope, grouped
// by keys, as arrays: SELECT keys, vs, cs, n, missing.
func (s *Store) pairs(m *modelEntry, sc store.Scope, keys []store.Key, c store.Column, prefix string) (*query, error) {
	inner := &query{}
	inner.write("SELECT ")
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = fmt.Sprintf("k%d", i)
		if err := m.keyExpr(inner, k); err != nil {
			return nil, err
		}
		inner.write(" AS ", names[i], ", ")
	}
	col, _, err := m.column(inner, c)
	if err != nil {
		return nil, err
	}
	inner.write("toNullable(toFloat64(", col, ")) AS v, count() AS c FROM ")
	s.from(inner, m)
	if err := m.where(inner, sc); err != nil {
		return nil, err
	}
	inner.write(" GROUP BY ", strings.Join(append(append([]string{}, names...), "v"), ", "))
	q := &query{args: inner.args}
	q.write("SELECT ")
	for _, n := range names {
		q.write(n, ", ")
	}
	p := prefix
	q.write("groupArrayIf(assumeNotNull(v), isNotNull(v)) AS ", p, "v, groupArrayIf(toFloat64(c), isNotNull(v)) AS ", p,
		"c, toInt64(sumIf(c, isNotNull(v))) AS ", p, "n, toInt64(sumIf(c, isNull(v))) AS ", p, "m FROM (", inner.text(), ")")
	if len(names) > 0 {
		q.write(" GROUP BY ", strings.Join(names, ", "))
	}
	return q, nil
}

func (s *Store) columnDistances(ctx context.Context, rm, cm *modelEntry, req store.CDFDistancesRequest, c store.Column) ([]store.CDFDistanceRow, error) {
	cur, err := s.pairs(cm, req.Current, req.Keys, c, "c")
	if err != nil {
		return nil, err
	}
	ref, err := s.pairs(rm, req.Reference, nil, c, "r")
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	nk := len(req.Keys)
	q := &query{}
	q.write("SELECT ")
	for i := range nk {
		q.write(fmt.Sprintf("k%d, ", i))
	}
	// Only the counts and distances leave the server; the arrays stay inside.
	q.write("rn, rm, cn, cm, ks, wd, rstd FROM (SELECT ")
	for i := range nk {
		q.write(fmt.Sprintf("k%d, ", i))
	}
	// z: both samples' pairs sorted by value, as (value, reference count, current count).
	q.write(`rn, rm, cn, cm,
		arraySort(x -> x.1, arrayConcat(arrayMap((v, c) -> (v, c, 0.), rv, rc), arrayMap((v, c) -> (v, 0., c), cv, cc))) AS z,
		arrayMap(x -> x.1, z) AS zv,
		arrayConcat(arraySlice(zv, 2), arraySlice(zv, -1, 1)) AS zn,
		arrayMap(x -> x / greatest(rn, 1), arrayCumSum(arrayMap(x -> x.2, z))) AS fr,
		arrayMap(x -> x / greatest(cn, 1), arrayCumSum(arrayMap(x -> x.3, z))) AS fc,
		arrayReduce('max', arrayMap((a, b, v, w) -> if(w <> v, abs(a - b), 0.), fr, fc, zv, zn)) AS ks,
		arraySum(arrayMap((a, b, v, w) -> abs(a - b) * (w - v), fr, fc, zv, zn)) AS wd,
		arraySum(arrayMap((v, c) -> v * c, rv, rc)) / greatest(rn, 1) AS rmean,
		sqrt(arraySum(arrayMap((v, c) -> c * (v - rmean) * (v - rmean), rv, rc)) / greatest(rn, 1)) AS rstd
		FROM (`, cur.text(), ") AS cur CROSS JOIN (", ref.text(), ") AS ref)")
	q.args = append(append(q.args, cur.args...), ref.args...)
	if nk > 0 {
		keys := make([]string, nk)
		for i := range keys {
			keys[i] = fmt.Sprintf("k%d", i)
		}
		q.write(" ORDER BY ", strings.Join(keys, ", "))
	}
	var out []store.CDFDistanceRow
	err = s.scanMerged(ctx, "distances over "+cm.name, q, func(vals []any) error {
		r := store.CDFDistanceRow{Keys: make([]store.KeyValue, nk)}
		for i := range nk {
			r.Keys[i] = keyValue(vals[i], req.Keys[i].Kind)
		}
		r.RefN, _ = toInt(vals[nk])
		r.RefMissing, _ = toInt(vals[nk+1])
		r.CurN, _ = toInt(vals[nk+2])
		r.CurMissing, _ = toInt(vals[nk+3])
		if nk == 0 && r.CurN == 0 && r.CurMissing == 0 {
			return nil // no current records
		}
		r.KS, r.Wasserstein, r.RefStd = math.NaN(), math.NaN(), math.NaN()
		if r.RefN > 0 {
			r.RefStd = toFloat(vals[nk+6])
		}
		if r.RefN > 0 && r.CurN > 0 {
			if req.KS {
				r.KS = toFloat(vals[nk+4])
			}
			if req.Wasserstein {
				r.Wasserstein = toFloat(vals[nk+5])
			}
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
