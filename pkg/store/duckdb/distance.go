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
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/errgroup"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// CDFDistances computes KS and Wasserstein distances, and histograms when
// asked (Bins), of each group of the current scope against the reference.
//
// The embedded store runs in this process, so "inside the store" is DuckDB
// plus the store's own Go code over DuckDB's Arrow buffers: DuckDB filters
// the records and streams the keys and the values of up to
// distanceScanCols columns at once as Arrow columns (no value boxed into an
// interface, as the database/sql driver would; the keys are computed once
// for all those columns); the store splits them into groups, sorts each
// group's values (radix sort) and compares them with the sorted reference:
// metrics.DistancesOfSorted gives KS and Wasserstein from one merge,
// metrics.KSOfSorted KS alone by galloping, and the bins are counted by
// binary search on the sorted values, on edges taken from the sorted
// reference (metrics.EdgesOfSorted); asked for bins alone, the store sorts
// only the reference and bins each current value where it is
// (store.BinCounts). Only the rows reach the caller, and everything is exact
// (Approx 0). Scans run one per core, each on its own connection; a scan's
// values are held only while it is processed.
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
	if !req.KS && !req.Wasserstein && req.Bins == nil {
		return errors.New("cdf distances: ask for KS, Wasserstein, bins or several")
	}
	if b := req.Bins; b != nil && ((b.Strategy != "quantile" && b.Strategy != "uniform") || b.Bins < 1) {
		return fmt.Errorf("cdf distances: bins %q × %d: want quantile or uniform and at least 1 bin", b.Strategy, b.Bins)
	}
	var refCols, curCols []string
	for _, c := range req.Cols {
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
		refCols, curCols = append(refCols, ref), append(curCols, cur)
	}
	if len(req.Cols) == 0 {
		return nil
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	// As many columns a scan as its values fit the memory budget.
	agg, err := s.Aggregate(ctx, store.AggregateRequest{Scope: req.Current, Measures: []store.Measure{{Op: store.Count}}})
	if err != nil {
		return fmt.Errorf("counting the current records: %w", err)
	}
	perScan := distanceScanCols
	if len(agg.Rows) > 0 && agg.Rows[0].Measures[0] > 0 {
		perScan = int(min(max(distanceScanBytes/(agg.Rows[0].Measures[0]*8), 1), distanceScanCols))
	}
	var fnMu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, scan := range distanceScans(len(req.Cols), workers, perScan) {
		g.Go(func() error {
			rows, err := s.scanDistances(gctx, rm, cm, req, pick(refCols, scan), pick(curCols, scan))
			if err != nil {
				names := make([]string, len(scan))
				for i, c := range scan {
					names[i] = req.Cols[c].String()
				}
				return fmt.Errorf("distances of %s: %w", strings.Join(names, ", "), err)
			}
			fnMu.Lock()
			defer fnMu.Unlock()
			for _, r := range rows {
				r.Col = scan[r.Col]
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// distanceScanCols bounds the columns read by one scan, and
// distanceScanBytes the memory of a scan's values (8 bytes a value). Three
// columns a scan ran the 10M-row drift benchmark as fast as five and with
// less memory at 1M (scripts/bench-drift-tools.sh).
const (
	distanceScanCols  = 3
	distanceScanBytes = 256 << 20
)

// distanceScans splits n columns into scans of at most perScan columns, as
// even as can be and a multiple of the workers when there are enough
// columns, so every core keeps busy to the end.
func distanceScans(n, workers, perScan int) [][]int {
	rounds := (n + workers*perScan - 1) / (workers * perScan)
	scans := min(n, rounds*workers)
	out := make([][]int, scans)
	for c := range n {
		out[c%scans] = append(out[c%scans], c)
	}
	return out
}

func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// scanDistances computes the rows of some columns, read in one scan of the
// reference and one of the current scope: the reference's values sorted
// once, then each group's against them. Rows' Col indexes refCols.
func (s *Store) scanDistances(ctx context.Context, rm, cm *modelEntry, req store.CDFDistancesRequest, refCols, curCols []string) ([]store.CDFDistanceRow, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	nc := len(refCols)
	var out []store.CDFDistanceRow
	err = conn.Raw(func(dc any) error {
		ar, err := arrowOf(dc)
		if err != nil {
			return err
		}
		var scratch store.SortScratch
		// The reference: its values, sorted here.
		q, err := streamQuery(rm, req.Reference, nil, refCols)
		if err != nil {
			return err
		}
		refGroups, err := readGroups(ctx, ar, q, 0, nc)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		type refColumn struct {
			sorted  []float64
			missing int64
			std     float64
			edges   []float64
			bins    []int64
		}
		refs := make([]refColumn, nc)
		for c := range nc {
			rc := &refs[c]
			rc.sorted, rc.missing = slices.Clone(scratch.SortChunks(refGroups[0].values[c])), refGroups[0].missing[c]
			refGroups[0].values[c] = nil
			rc.std = metrics.PopulationStdOfValues(rc.sorted)
			if b := req.Bins; b != nil {
				rc.edges = metrics.EdgesOfSorted(b.Strategy, rc.sorted, b.Bins)
				if rc.edges == nil {
					rc.edges = []float64{}
				}
				rc.bins = store.BinCountsOfSorted(rc.sorted, rc.edges)
			}
		}
		// The groups of the current scope.
		q, err = streamQuery(cm, req.Current, req.Keys, curCols)
		if err != nil {
			return err
		}
		groups, err := readGroups(ctx, ar, q, len(req.Keys), nc)
		if err != nil {
			return err
		}
		if req.MaxGroups > 0 && len(groups) > req.MaxGroups {
			return fmt.Errorf("%w: %d groups, more than %d", store.ErrTooManyGroups, len(groups), req.MaxGroups)
		}
		// Histograms alone need no sorting: each value is binned where it is.
		binsOnly := !req.KS && !req.Wasserstein
		for _, g := range groups {
			for c := range nc {
				ref := refs[c].sorted
				row := store.CDFDistanceRow{
					Keys: g.keys, Col: c, RefN: int64(len(ref)), RefMissing: refs[c].missing,
					CurN: int64(g.values[c].len()), CurMissing: g.missing[c], KS: math.NaN(), Wasserstein: math.NaN(), RefStd: refs[c].std,
					Edges: refs[c].edges, RefBins: refs[c].bins,
				}
				if binsOnly {
					row.CurBins = store.BinCounts(refs[c].edges, g.values[c]...)
					g.values[c] = nil
					out = append(out, row)
					continue
				}
				cur := scratch.SortChunks(g.values[c])
				switch {
				case len(ref) == 0 || len(cur) == 0:
				case req.Wasserstein:
					// One walk gives both.
					ks, w := metrics.DistancesOfSorted(ref, cur)
					row.Wasserstein = w
					if req.KS {
						row.KS = ks
					}
				case req.KS:
					row.KS = metrics.KSOfSorted(ref, cur)
				}
				if req.Bins != nil {
					row.CurBins = store.BinCountsOfSorted(cur, refs[c].edges)
				}
				g.values[c] = nil // free as we go
				out = append(out, row)
			}
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

// streamQuery writes SELECT keys, values over a scope's records.
func streamQuery(m *modelEntry, sc store.Scope, keys []store.Key, cols []string) (*query, error) {
	q := &query{}
	q.write("SELECT ")
	for i, k := range keys {
		if err := m.keyExpr(q, k); err != nil {
			return nil, err
		}
		q.write(fmt.Sprintf(" AS k%d, ", i))
	}
	for i, col := range cols {
		if i > 0 {
			q.write(", ")
		}
		q.write("CAST(", col, " AS DOUBLE)")
	}
	q.write(" FROM ", m.table())
	if err := m.where(q, sc); err != nil {
		return nil, err
	}
	return q, nil
}

// valueGroup gathers one group's values as they stream in.
type valueGroup struct {
	keys []store.KeyValue
	// raw are the keys as Go values (arrowValue), to compare rows with.
	raw []any
	// values and missing per value column.
	values  []valueChunks
	missing []int64
}

// valueChunks holds a group's values as they stream in, in chunks as large
// as the values so far (from 512 to 65,536): a growing group is never copied
// (nor held twice while it is), and sorting reads the chunks
// (store.SortScratch.SortChunks).
type valueChunks [][]float64

func (c *valueChunks) add(xs ...float64) {
	for len(xs) > 0 {
		n := len(*c)
		if n == 0 || len((*c)[n-1]) == cap((*c)[n-1]) {
			*c = append(*c, make([]float64, 0, min(max(c.len(), 512), 1<<16)))
			n++
		}
		last := &(*c)[n-1]
		k := min(len(xs), cap(*last)-len(*last))
		*last = append(*last, xs[:k]...)
		xs = xs[k:]
	}
}

func (c valueChunks) len() int {
	n := 0
	for _, x := range c {
		n += len(x)
	}
	return n
}

// flat returns the values in one slice.
func (c valueChunks) flat() []float64 {
	out := make([]float64, 0, c.len())
	for _, x := range c {
		out = append(out, x...)
	}
	return out
}

// recentGroups is how many of the last groups rows are compared with before
// their keys are looked up: records are stored in time order, so a bucket's
// rows come together, its versions interleaved.
const recentGroups = 4

// readGroups runs a streamQuery through the Arrow interface and splits its
// rows into groups by their nk keys (nv value columns follow them), returned
// in key order (nulls last, as DuckDB orders them). Rows stream in batches of
// Arrow columns and are taken in runs of equal keys; a run whose keys are
// those of one of the last few groups joins it without a map look-up.
func readGroups(ctx context.Context, ar *duckdb.Arrow, q *query, nk, nv int) ([]*valueGroup, error) {
	rr, err := ar.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	byKey := map[string]*valueGroup{}
	var groups []*valueGroup
	var recent []*valueGroup // most recent first
	var sig []byte
	for rr.Next() {
		rec := rr.RecordBatch()
		if int(rec.NumCols()) != nk+nv {
			return nil, fmt.Errorf("%d result columns, want %d", rec.NumCols(), nk+nv)
		}
		vals := make([]*array.Float64, nv)
		for c := range nv {
			v, ok := rec.Column(nk + c).(*array.Float64)
			if !ok {
				return nil, fmt.Errorf("values are %s, want float64", rec.Column(nk+c).DataType())
			}
			vals[c] = v
		}
		keyCols := rec.Columns()[:nk]
		eq := keyEquals(keyCols)
		nrows := int(rec.NumRows())
		for r := 0; r < nrows; {
			var cur *valueGroup
			for i, g := range recent {
				if sameKeys(keyCols, r, g.raw) {
					cur = g
					copy(recent[1:i+1], recent[:i])
					recent[0] = g
					break
				}
			}
			if cur == nil {
				keys := make([]any, nk)
				sig = sig[:0]
				for i, col := range keyCols {
					keys[i] = arrowValue(col, r)
					sig = appendKeySig(sig, keys[i])
				}
				cur = byKey[string(sig)]
				if cur == nil {
					cur = &valueGroup{keys: make([]store.KeyValue, nk), raw: keys, values: make([]valueChunks, nv), missing: make([]int64, nv)}
					for i, k := range keys {
						cur.keys[i] = keyValue(k)
					}
					byKey[string(sig)] = cur
					groups = append(groups, cur)
				}
				if len(recent) < recentGroups {
					recent = append(recent, nil)
				}
				copy(recent[1:], recent[:len(recent)-1])
				recent[0] = cur
			}
			// The run [r, end) of rows with the same keys.
			end := runEnd(eq, r, nrows)
			for c, v := range vals {
				if v.NullN() == 0 {
					cur.values[c].add(v.Float64Values()[r:end]...)
					continue
				}
				for i := r; i < end; i++ {
					if v.IsNull(i) {
						cur.missing[c]++
					} else {
						cur.values[c].add(v.Value(i))
					}
				}
			}
			r = end
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if nk == 0 && len(groups) == 0 {
		groups = append(groups, &valueGroup{values: make([]valueChunks, nv), missing: make([]int64, nv)}) // no records: one empty group
	}
	slices.SortFunc(groups, func(a, b *valueGroup) int { return compareKeys(a.keys, b.keys) })
	return groups, nil
}

// appendKeySig appends a key value's type and value to a group's signature.
func appendKeySig(b []byte, k any) []byte {
	switch x := k.(type) {
	case nil:
		return append(b, 'n', 0)
	case int64:
		return append(strconv.AppendInt(append(b, 'i'), x, 10), 0)
	case string:
		// Length first: a string may hold the separator.
		b = strconv.AppendInt(append(b, 's'), int64(len(x)), 10)
		return append(append(b, ':'), x...)
	}
	return append(fmt.Appendf(append(b, 'v'), "%T:%v", k, k), 0)
}

// keyEquals returns, for each key column of a batch, whether two of its rows
// hold the same value (two nulls are the same).
func keyEquals(cols []arrow.Array) []func(i, j int) bool {
	out := make([]func(i, j int) bool, len(cols))
	for c, col := range cols {
		switch x := col.(type) {
		case *array.Int64:
			if x.NullN() == 0 {
				vs := x.Int64Values()
				out[c] = func(i, j int) bool { return vs[i] == vs[j] }
				continue
			}
		case *array.String:
			if x.NullN() == 0 {
				out[c] = func(i, j int) bool { return x.Value(i) == x.Value(j) }
				continue
			}
		}
		out[c] = func(i, j int) bool {
			if col.IsNull(i) || col.IsNull(j) {
				return col.IsNull(i) == col.IsNull(j)
			}
			return arrowValue(col, i) == arrowValue(col, j)
		}
	}
	return out
}

// runEnd returns the end of the run of rows from r on whose keys equal row
// r's (at most n). Rows are compared one by one across all the key columns,
// so finding a run costs its length, however long the runs of any one
// column are.
func runEnd(eq []func(i, j int) bool, r, n int) int {
	for k := r + 1; k < n; k++ {
		for _, same := range eq {
			if !same(k, r) {
				return k
			}
		}
	}
	return n
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

// arrowOf is DuckDB's Arrow interface on a database/sql driver connection.
func arrowOf(dc any) (*duckdb.Arrow, error) {
	c, ok := dc.(driver.Conn)
	if !ok {
		return nil, errors.New("not a database/sql driver connection")
	}
	ar, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return nil, fmt.Errorf("arrow interface: %w", err)
	}
	return ar, nil
}
