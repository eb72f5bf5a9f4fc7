//go:build duckdb_arrow

package duckdb

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/errgroup"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// CDFDistances computes KS and Wasserstein distances of each group of the
// current scope against the reference, column by column.
//
// The embedded store runs in this process, so "inside the store" is DuckDB
// plus the store's own Go code over DuckDB's Arrow buffers: per column,
// DuckDB filters the records and streams the keys and values as Arrow
// columns (no value boxed into an interface, as the database/sql driver
// would, which is what made reading lists of values slow at 10M records);
// the store splits them into groups, sorts each group (radix sort) and
// compares it with the sorted reference (metrics.KSOfSorted: two reference
// look-ups per distinct current value, found by galloping;
// metrics.WassersteinOfSorted: one merge of both samples). Only the row of
// distances reaches the caller, and both distances are exact (Approx 0).
// Columns are processed by one worker per core, each on its own
// connection; a column's values are held only while it is processed.
//
// Measured alternatives: a SQL formulation (as-of joins of both CDFs per
// group) was 50× slower than merging sorted arrays, and gathering each
// group's values with list() cost DuckDB twice the CPU of streaming them.
func (s *Store) CDFDistances(ctx context.Context, req store.CDFDistancesRequest, fn func(store.CDFDistanceRow) error) error {
	cm := s.model(req.Current.Model)
	if cm == nil {
		return fmt.Errorf("model %q: %w", req.Current.Model, store.ErrUnknownModel)
	}
	rm := s.model(req.Reference.Model)
	if rm == nil {
		return fmt.Errorf("reference model %q: %w", req.Reference.Model, store.ErrUnknownModel)
	}
	if !req.KS && !req.Wasserstein {
		return errors.New("cdf distances: ask for KS, Wasserstein or both")
	}
	type colPair struct{ ref, cur string }
	cols := make([]colPair, len(req.Cols))
	for i, c := range req.Cols {
		cur, kind, err := cm.column(c)
		if err != nil {
			return err
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical; KS and Wasserstein compare numeric columns", store.ErrTypeMismatch, c)
		}
		ref, kind, err := rm.column(c)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical in the reference", store.ErrTypeMismatch, c)
		}
		cols[i] = colPair{ref: ref, cur: cur}
	}
	if len(cols) == 0 {
		return nil
	}
	var fnMu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(min(len(cols), max(runtime.GOMAXPROCS(0), 1)))
	for i, c := range cols {
		g.Go(func() error {
			rows, err := s.columnDistances(gctx, rm, cm, req, c.ref, c.cur)
			if err != nil {
				return fmt.Errorf("distances of %s: %w", req.Cols[i], err)
			}
			fnMu.Lock()
			defer fnMu.Unlock()
			for _, r := range rows {
				r.Col = i
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// columnDistances computes one column's rows: the reference once, then each
// group of the current scope against it.
func (s *Store) columnDistances(ctx context.Context, rm, cm *modelEntry, req store.CDFDistancesRequest, refCol, curCol string) ([]store.CDFDistanceRow, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var out []store.CDFDistanceRow
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a database/sql driver connection")
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return fmt.Errorf("arrow interface: %w", err)
		}
		var scratch store.SortScratch
		// The reference: its values, sorted here.
		q, err := valuesQuery(rm, req.Reference, nil, refCol)
		if err != nil {
			return err
		}
		refGroups, err := readGroups(ctx, ar, q, 0)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		var ref []float64
		var refMissing int64
		if len(refGroups) > 0 {
			ref, refMissing = refGroups[0].values, refGroups[0].missing
		}
		scratch.Sort(ref)
		refStd := metrics.PopulationStdOfValues(ref)
		// The groups of the current scope.
		q, err = valuesQuery(cm, req.Current, req.Keys, curCol)
		if err != nil {
			return err
		}
		groups, err := readGroups(ctx, ar, q, len(req.Keys))
		if err != nil {
			return err
		}
		if req.MaxGroups > 0 && len(groups) > req.MaxGroups {
			return fmt.Errorf("%w: %d groups, more than %d", store.ErrTooManyGroups, len(groups), req.MaxGroups)
		}
		for _, g := range groups {
			row := store.CDFDistanceRow{
				Keys: g.keys, RefN: int64(len(ref)), RefMissing: refMissing,
				CurN: int64(len(g.values)), CurMissing: g.missing, KS: math.NaN(), Wasserstein: math.NaN(), RefStd: refStd,
			}
			if len(ref) > 0 && len(g.values) > 0 {
				scratch.Sort(g.values)
				if req.KS {
					row.KS = metrics.KSOfSorted(ref, g.values)
				}
				if req.Wasserstein {
					row.Wasserstein = metrics.WassersteinOfSorted(ref, g.values)
				}
			}
			g.values = nil // free as we go
			out = append(out, row)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// valuesQuery writes SELECT keys, value over a scope's records.
func valuesQuery(m *modelEntry, sc store.Scope, keys []store.Key, col string) (*query, error) {
	q := &query{}
	q.write("SELECT ")
	for i, k := range keys {
		if err := m.keyExpr(q, k); err != nil {
			return nil, err
		}
		q.write(fmt.Sprintf(" AS k%d, ", i))
	}
	q.write(col, " FROM ", m.table())
	if err := m.where(q, sc); err != nil {
		return nil, err
	}
	return q, nil
}

// valueGroup gathers one group's values as they stream in.
type valueGroup struct {
	keys    []store.KeyValue
	values  []float64
	missing int64
}

// readGroups runs a valuesQuery through the Arrow interface and splits its
// rows into groups by their nk keys, returned in key order (nulls last, as
// DuckDB orders them). Rows stream in batches of Arrow columns; a row whose
// keys equal the previous row's (records are stored in time order, so
// buckets come in runs) joins the same group without a map look-up.
func readGroups(ctx context.Context, ar *duckdb.Arrow, q *query, nk int) ([]*valueGroup, error) {
	rr, err := ar.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	byKey := map[string]*valueGroup{}
	var groups []*valueGroup
	var cur *valueGroup
	var curKeys []any // the current group's keys as Go values
	var sig strings.Builder
	for rr.Next() {
		rec := rr.RecordBatch()
		if int(rec.NumCols()) != nk+1 {
			return nil, fmt.Errorf("%d result columns, want %d", rec.NumCols(), nk+1)
		}
		vals, ok := rec.Column(nk).(*array.Float64)
		if !ok {
			return nil, fmt.Errorf("values are %s, want float64", rec.Column(nk).DataType())
		}
		keyCols := rec.Columns()[:nk]
		for r := 0; r < int(rec.NumRows()); r++ {
			if cur == nil || !sameKeys(keyCols, r, curKeys) {
				sig.Reset()
				keys := make([]any, nk)
				for i, col := range keyCols {
					keys[i] = arrowValue(col, r)
					fmt.Fprintf(&sig, "%T:%v\x00", keys[i], keys[i])
				}
				g := byKey[sig.String()]
				if g == nil {
					g = &valueGroup{keys: make([]store.KeyValue, nk)}
					for i, k := range keys {
						g.keys[i] = keyValue(k)
					}
					byKey[sig.String()] = g
					groups = append(groups, g)
				}
				cur, curKeys = g, keys
			}
			if vals.IsNull(r) {
				cur.missing++
			} else {
				cur.values = append(cur.values, vals.Value(r))
			}
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if nk == 0 && len(groups) == 0 {
		groups = append(groups, &valueGroup{}) // no records: one empty group
	}
	slices.SortFunc(groups, func(a, b *valueGroup) int { return compareKeys(a.keys, b.keys) })
	return groups, nil
}

// sameKeys reports whether row r of the key columns holds the keys ks.
func sameKeys(cols []arrow.Array, r int, ks []any) bool {
	for i, col := range cols {
		if col.IsNull(r) {
			if ks[i] != nil {
				return false
			}
			continue
		}
		switch x := col.(type) {
		case *array.Int64:
			if k, ok := ks[i].(int64); !ok || k != x.Value(r) {
				return false
			}
		case *array.String:
			if k, ok := ks[i].(string); !ok || k != x.Value(r) {
				return false
			}
		default:
			if ks[i] != arrowValue(col, r) {
				return false
			}
		}
	}
	return true
}

// compareKeys orders key values as DuckDB's ORDER BY: numbers, then strings,
// booleans, nulls last.
func compareKeys(a, b []store.KeyValue) int {
	for i := range a {
		x, y := a[i], b[i]
		if x.Null != y.Null {
			if x.Null {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(x.Int, y.Int); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Num, y.Num); c != 0 {
			return c
		}
		if c := strings.Compare(x.Str, y.Str); c != 0 {
			return c
		}
		if x.Bool != y.Bool {
			if y.Bool {
				return -1
			}
			return 1
		}
	}
	return 0
}

// arrowValue is one element of an Arrow key column as the database/sql
// driver would scan it (nil when null). Strings are copied: Arrow's point
// into buffers released with the record batch.
func arrowValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.Int32:
		return x.Value(i)
	case *array.String:
		return strings.Clone(x.Value(i))
	case *array.LargeString:
		return strings.Clone(x.Value(i))
	case *array.StringView:
		return strings.Clone(x.Value(i))
	case *array.Boolean:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	}
	return a.GetOneForMarshal(i)
}
