package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
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
// comes from the same pairs. With Bins, the edges come from the reference
// first (binEdges: its count, range and the few order statistics numpy's
// quantiles read), and the same query counts both samples' values at or
// below each edge.
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
	if b := req.Bins; b != nil && ((b.Strategy != "quantile" && b.Strategy != "uniform") || b.Bins < 1) {
		return fmt.Errorf("cdf distances: bins %q × %d: want quantile or uniform and at least 1 bin", b.Strategy, b.Bins)
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
	var edges []float64
	if req.Bins != nil {
		if edges, err = s.binEdges(ctx, rm, req.Reference, c, req.Bins); err != nil {
			return nil, fmt.Errorf("reference bin edges: %w", err)
		}
	}
	nk := len(req.Keys)
	q := &query{}
	q.write("SELECT ")
	for i := range nk {
		q.write(fmt.Sprintf("k%d, ", i))
	}
	// Only the counts and distances leave the server; the arrays stay inside.
	q.write("rn, rm, cn, cm, ks, wd, rstd")
	if len(edges) > 0 {
		q.write(", rle, cle")
	}
	q.write(" FROM (SELECT ")
	for i := range nk {
		q.write(fmt.Sprintf("k%d, ", i))
	}
	if len(edges) > 0 {
		// The counts of values at or below each edge, computed in each side's
		// own subquery: the reference's once, not once per joined group.
		cur, ref = withCountsBelow(cur, "c", edges), withCountsBelow(ref, "r", edges)
		q.write("rle, cle, ")
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
		if req.Bins != nil {
			r.Edges = edges
			var rle, cle []float64
			if len(edges) > 0 {
				var ok1, ok2 bool
				rle, ok1 = vals[nk+7].([]float64)
				cle, ok2 = vals[nk+8].([]float64)
				if !ok1 || !ok2 || len(rle) != len(edges) || len(cle) != len(edges) {
					return fmt.Errorf("bin counts: got %T and %T for %d edges", vals[nk+7], vals[nk+8], len(edges))
				}
			}
			r.RefBins, r.CurBins = binsOfAtOrBelow(rle, r.RefN), binsOfAtOrBelow(cle, r.CurN)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// binsOfAtOrBelow turns the counts of values at or below each edge into the
// counts per bin (store.CDFDistanceRow.Edges) of n values.
func binsOfAtOrBelow(le []float64, n int64) []int64 {
	out := make([]int64, len(le)+1)
	prev := int64(0)
	for i, x := range le {
		out[i] = int64(x) - prev
		prev = int64(x)
	}
	out[len(le)] = n - prev
	return out
}

// binEdges computes a column's bin edges from the reference's values inside
// ClickHouse: their count, minimum and maximum, and for quantile edges the
// order statistics they read (metrics.QuantileEdgeRanks), looked up in the
// sorted values. Only those few numbers leave the server.
func (s *Store) binEdges(ctx context.Context, m *modelEntry, sc store.Scope, c store.Column, spec *store.BinSpec) ([]float64, error) {
	q := &query{}
	col, _, err := m.column(q, c)
	if err != nil {
		return nil, err
	}
	q.write("SELECT count(", col, "), min(toFloat64(", col, ")), max(toFloat64(", col, ")) FROM ")
	s.from(q, m)
	if err := m.where(q, sc); err != nil {
		return nil, err
	}
	var n int64
	var lo, hi float64
	err = s.scanMerged(ctx, "reference range of "+c.String(), q, func(vals []any) error {
		n, _ = toInt(vals[0])
		lo, hi = toFloat(vals[1]), toFloat(vals[2])
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		return []float64{}, nil
	case spec.Strategy == "uniform":
		return metrics.UniformEdgesFromRange(lo, hi, spec.Bins), nil
	}
	ranks := metrics.QuantileEdgeRanks(n, spec.Bins)
	if len(ranks) == 0 {
		return []float64{}, nil
	}
	q = &query{}
	col, _, err = m.column(q, c)
	if err != nil {
		return nil, err
	}
	q.write("SELECT arrayMap(r -> s[r + 1], ")
	boundArray(q, ranks)
	q.write(") FROM (SELECT arraySort(groupArray(toFloat64(", col, "))) AS s FROM ")
	s.from(q, m)
	if err := m.where(q, sc); err != nil {
		return nil, err
	}
	q.write(")")
	at := map[int64]float64{}
	err = s.scanMerged(ctx, "reference order statistics of "+c.String(), q, func(vals []any) error {
		xs, ok := vals[0].([]float64)
		if !ok || len(xs) != len(ranks) {
			return fmt.Errorf("order statistics: got %T for %d ranks", vals[0], len(ranks))
		}
		for i, r := range ranks {
			at[r] = xs[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(at) != len(ranks) {
		return nil, fmt.Errorf("order statistics of %s: no answer", c)
	}
	return metrics.QuantileEdgesAt(n, spec.Bins, func(rank int64) float64 { return at[rank] }), nil
}

// withCountsBelow wraps a pairs query (side "r" or "c") with the counts of
// its values at or below each edge, as the column rle or cle.
func withCountsBelow(pairs *query, side string, edges []float64) *query {
	w := &query{}
	w.write("SELECT *, arrayMap(e -> arraySum(arrayMap((v, c) -> if(v <= e, c, 0.), ", side, "v, ", side, "c)), ")
	boundArray(w, edges)
	w.write(") AS ", side, "le FROM (", pairs.text(), ")")
	w.args = append(w.args, pairs.args...)
	return w
}
