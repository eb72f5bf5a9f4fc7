package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// maxBinEdges bounds the edges of one binned key (each edge is one comparison per row).
const maxBinEdges = 512

// query is SQL text with its bound arguments, built from the typed request:
// identifiers come from the catalog, every value is a parameter.
type query struct {
	sql  strings.Builder
	args []any
}

func (q *query) write(parts ...string) {
	for _, p := range parts {
		q.sql.WriteString(p)
	}
}

func (q *query) arg(v any) {
	q.sql.WriteString("?")
	q.args = append(q.args, v)
}

func (q *query) argList(vs []any) {
	q.sql.WriteString("(")
	for i, v := range vs {
		if i > 0 {
			q.sql.WriteString(", ")
		}
		q.arg(v)
	}
	q.sql.WriteString(")")
}

// column returns the SQL column of a record part and whether it is numeric.
func (m *modelEntry) column(c store.Column) (string, store.Kind, error) {
	switch c.Kind {
	case store.ColFeature:
		f, ok := m.features[c.Name]
		if !ok {
			return "", 0, fmt.Errorf("%w: model %q has no feature %q", store.ErrUnknownField, m.name, c.Name)
		}
		return fieldColumn(f), f.Type, nil
	case store.ColTag:
		f, ok := m.tags[c.Name]
		if !ok {
			return "", 0, fmt.Errorf("%w: model %q has no tag %q", store.ErrUnknownField, m.name, c.Name)
		}
		return fieldColumn(f), store.Categorical, nil
	case store.ColVersion:
		return "version", store.Categorical, nil
	case store.ColEnvironment:
		return "environment", store.Categorical, nil
	case store.ColPredLabel:
		return "pred_label", store.Categorical, nil
	case store.ColPredScore:
		return "pred_score", store.Numeric, nil
	case store.ColPredValue:
		return "pred_value", store.Numeric, nil
	case store.ColActualLabel:
		return "actual_label", store.Categorical, nil
	case store.ColActualValue:
		return "actual_value", store.Numeric, nil
	case store.ColID:
		return "id", store.Categorical, nil
	case store.ColText:
		return "text", store.Categorical, nil
	case store.ColTime:
		return "ts", store.Numeric, nil
	}
	return "", 0, fmt.Errorf("%w: %v", store.ErrUnknownField, c)
}

func valueArg(v store.Value, kind store.Kind, col store.Column) (any, error) {
	switch {
	case kind == store.Numeric && v.Kind == store.Numeric:
		return v.Num, nil
	case kind == store.Categorical && v.Kind == store.Categorical:
		return v.Str, nil
	}
	return nil, fmt.Errorf("%w: %s is %s but the value %s is %s", store.ErrTypeMismatch, col, kind, v, v.Kind)
}

// where writes the scope's conditions.
func (m *modelEntry) where(q *query, sc store.Scope) error {
	q.write(" WHERE ts >= ")
	q.arg(sc.From.UnixMilli())
	q.write(" AND ts < ")
	q.arg(sc.To.UnixMilli())
	if len(sc.Versions) > 0 {
		q.write(" AND version IN ")
		q.argList(sqlbuild.StringArgs(sc.Versions))
	}
	if len(sc.Environments) > 0 {
		q.write(" AND environment IN ")
		q.argList(sqlbuild.StringArgs(sc.Environments))
	}
	if sc.WithActual {
		q.write(" AND actual_ms IS NOT NULL")
	}
	for _, f := range sc.Filters {
		col, kind, err := m.column(f.Col)
		if err != nil {
			return err
		}
		q.write(" AND ")
		switch f.Op {
		case store.OpIsNull, store.OpNotNull:
			q.write(col, " ", strings.ToUpper(string(f.Op)))
			continue
		case store.OpIn, store.OpNotIn:
			if len(f.Values) == 0 {
				return fmt.Errorf("filter on %s: %q needs at least one value", f.Col, f.Op)
			}
			vals := make([]any, len(f.Values))
			for i, v := range f.Values {
				a, err := valueArg(v, kind, f.Col)
				if err != nil {
					return err
				}
				vals[i] = a
			}
			q.write(col, " ", strings.ToUpper(string(f.Op)), " ")
			q.argList(vals)
			continue
		case store.OpEq, store.OpNe, store.OpLt, store.OpLe, store.OpGt, store.OpGe:
		default:
			return fmt.Errorf("filter on %s: unknown operator %q", f.Col, f.Op)
		}
		if len(f.Values) != 1 {
			return fmt.Errorf("filter on %s: %q needs exactly one value", f.Col, f.Op)
		}
		a, err := valueArg(f.Values[0], kind, f.Col)
		if err != nil {
			return err
		}
		op := string(f.Op)
		if f.Op == store.OpNe {
			op = "<>"
		}
		q.write(col, " ", op, " ")
		q.arg(a)
	}
	return nil
}

func (m *modelEntry) keyExpr(q *query, k store.Key) error {
	switch k.Kind {
	case store.KeyBucket:
		ms := k.Interval.Milliseconds()
		if ms <= 0 {
			return fmt.Errorf("bucket interval %v: must be at least 1ms", k.Interval)
		}
		// The bucket's start, floor(ts / ms) * ms. When ts and the start
		// are within ±2^53 (every time ingest accepts, 1970 … 2200, is),
		// all of it is exact in doubles: a quotient that is not an integer
		// is at least 1/ms from one, more than its rounding error, so floor
		// never rounds across a bucket's edge. A double division costs a
		// few times less than the two 64-bit integer remainders of the
		// exact form, which the other times keep.
		q.write("CASE WHEN ts BETWEEN ")
		q.arg(ms - 1<<53)
		q.write(" AND 9007199254740992 THEN CAST(floor(ts / ")
		q.arg(float64(ms))
		q.write(") * ")
		q.arg(float64(ms))
		q.write(" AS BIGINT) ELSE ts - (((ts % ")
		q.arg(ms)
		q.write(") + ")
		q.arg(ms)
		q.write(") % ")
		q.arg(ms)
		q.write(") END")
		return nil
	case store.KeyColumn:
		col, _, err := m.column(k.Col)
		if err != nil {
			return err
		}
		q.write(col)
		return nil
	case store.KeyBin:
		col, kind, err := m.column(k.Col)
		if err != nil {
			return err
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical and cannot be binned", store.ErrTypeMismatch, k.Col)
		}
		if len(k.Edges) > maxBinEdges {
			return fmt.Errorf("%d bin edges is more than the limit of %d", len(k.Edges), maxBinEdges)
		}
		q.write("CASE WHEN ", col, " IS NULL THEN -1 ELSE ")
		bin, args := sqlbuild.Bin(sqlbuild.DuckDB, col, k.Edges)
		q.write(bin)
		q.args = append(q.args, args...)
		q.write(" END")
		return nil
	case store.KeyGrid:
		col, kind, err := m.column(k.Col)
		if err != nil {
			return err
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical and cannot be put on a grid", store.ErrTypeMismatch, k.Col)
		}
		if math.IsNaN(k.Origin) || math.IsInf(k.Origin, 0) || !(k.Width > 0) || math.IsInf(k.Width, 0) {
			return fmt.Errorf("grid on %s: origin %v and width %v must be finite and the width positive", k.Col, k.Origin, k.Width)
		}
		q.write("CAST(floor((", col, " - ")
		q.arg(k.Origin)
		q.write(") / ")
		q.arg(k.Width)
		q.write(") AS BIGINT)")
		return nil
	case store.KeyIn:
		col, _, err := m.column(k.Col)
		if err != nil {
			return err
		}
		if len(k.Values) == 0 {
			return fmt.Errorf("group key on %s: needs at least one value", k.Col)
		}
		q.write("CASE WHEN ", col, " IS NULL THEN NULL ELSE ", col, " IN ")
		q.argList(sqlbuild.StringArgs(k.Values))
		q.write(" END")
		return nil
	}
	return fmt.Errorf("unknown group key kind %d", k.Kind)
}

func (m *modelEntry) measureExpr(q *query, ms store.Measure) error {
	operand := func(c store.Column) (string, error) {
		col, kind, err := m.column(c)
		if err != nil {
			return "", err
		}
		if kind != store.Numeric {
			return "", fmt.Errorf("%w: %s is not numeric", store.ErrTypeMismatch, c)
		}
		return col, nil
	}
	switch ms.Op {
	case store.Count:
		q.write("count(*)")
		return nil
	case store.CountNotNull:
		col, _, err := m.column(ms.A)
		if err != nil {
			return err
		}
		q.write("count(", col, ")")
		return nil
	case store.SumLogLoss:
		a, err := operand(ms.A)
		if err != nil {
			return err
		}
		b, _, err := m.column(ms.B)
		if err != nil {
			return err
		}
		// p = A clipped to [ε, 1−ε], ε bound as a parameter so SQL and Go agree.
		clipped := func() {
			q.write("least(greatest(", a, ", ")
			q.arg(metrics.LogLossClip)
			q.write("), ")
			q.arg(1 - metrics.LogLossClip)
			q.write(")")
		}
		q.write("fsum(CASE WHEN ", b, " = ")
		q.arg(ms.Positive)
		q.write(" THEN -ln(")
		clipped()
		q.write(") ELSE -ln(1 - ")
		clipped()
		q.write(") END)")
		return nil
	case store.CountEqual:
		a, ka, err := m.column(ms.A)
		if err != nil {
			return err
		}
		b, kb, err := m.column(ms.B)
		if err != nil {
			return err
		}
		if ka != kb {
			return fmt.Errorf("%w: cannot compare %s (%s) with %s (%s)", store.ErrTypeMismatch, ms.A, ka, ms.B, kb)
		}
		q.write("count(CASE WHEN ", a, " = ", b, " THEN 1 END)")
		return nil
	case store.CountDistinct:
		col, _, err := m.column(ms.A)
		if err != nil {
			return err
		}
		q.write("count(DISTINCT ", col, ")")
		return nil
	case store.CountIn:
		col, kind, err := m.column(ms.A)
		if err != nil {
			return err
		}
		if kind != store.Categorical {
			return fmt.Errorf("%w: %s is not categorical", store.ErrTypeMismatch, ms.A)
		}
		if len(ms.Values) == 0 {
			q.write("count(CASE WHEN false THEN 1 END)")
			return nil
		}
		q.write("count(CASE WHEN ", col, " IN ")
		q.argList(sqlbuild.StringArgs(ms.Values))
		q.write(" THEN 1 END)")
		return nil
	}
	a, err := operand(ms.A)
	if err != nil {
		return err
	}
	var b string
	switch ms.Op {
	case store.SumSqErr, store.SumAbsErr, store.SumAbsPctErr:
		if b, err = operand(ms.B); err != nil {
			return err
		}
	}
	switch ms.Op {
	case store.Sum:
		q.write("fsum(", a, ")")
	case store.SumSquares:
		q.write("fsum(", a, " * ", a, ")")
	case store.SumSqErr:
		q.write("fsum((", a, " - ", b, ") * (", a, " - ", b, "))")
	case store.SumAbsErr:
		q.write("fsum(abs(", a, " - ", b, "))")
	case store.SumAbsPctErr:
		q.write("fsum(abs(", a, " - ", b, ") / greatest(abs(", a, "), 2.220446049250313e-16))")
	case store.Min:
		q.write("min(", a, ")")
	case store.Max:
		q.write("max(", a, ")")
	case store.Mean:
		// Compensated sum over the count, as accurate as numpy's pairwise mean.
		q.write("(fsum(", a, ") / nullif(count(", a, "), 0))")
	case store.StdSamp:
		q.write("stddev_samp(", a, ")")
	case store.Quantile:
		if !(ms.Q >= 0 && ms.Q <= 1) {
			return fmt.Errorf("quantile level %v of %s: must be between 0 and 1", ms.Q, ms.A)
		}
		// DuckDB needs the level as a constant; it is a validated number.
		q.write("quantile_cont(", a, ", ", strconv.FormatFloat(ms.Q, 'g', -1, 64), ")")
	case store.SumInterp:
		if err := sqlbuild.CheckInterp(ms.Knots, ms.At); err != nil {
			return fmt.Errorf("%s: %w", ms.A, err)
		}
		// The points are literals: DuckDB evaluates the tree faster than with
		// hundreds of parameters (1.8 s against 2.0 s on the scale-12 demo).
		f, _ := sqlbuild.Interp(sqlbuild.DuckDB, a, ms.Knots, ms.At, true)
		q.write("fsum(CASE WHEN ", a, " IS NOT NULL THEN ", f, " END)")
	case store.CountOutside:
		if math.IsNaN(ms.Lo) || math.IsNaN(ms.Hi) {
			return fmt.Errorf("range of %s: bounds must not be NaN", ms.A)
		}
		q.write("count(CASE WHEN ", a, " < ")
		q.arg(ms.Lo)
		q.write(" OR ", a, " > ")
		q.arg(ms.Hi)
		q.write(" THEN 1 END)")
	default:
		return fmt.Errorf("unknown measure %d", ms.Op)
	}
	return nil
}

// Aggregate runs one grouped aggregate over a model's records.
func (s *Store) Aggregate(ctx context.Context, req store.AggregateRequest) (*store.AggregateResult, error) {
	m := s.model(req.Scope.Model)
	if m == nil {
		return nil, fmt.Errorf("model %q: %w", req.Scope.Model, store.ErrUnknownModel)
	}
	if len(req.Measures) == 0 {
		return nil, errors.New("aggregate: at least one measure is required")
	}
	if err := req.CheckSets(); err != nil {
		return nil, err
	}
	q := &query{}
	q.write("SELECT ")
	for i, k := range req.Keys {
		if err := m.keyExpr(q, k); err != nil {
			return nil, err
		}
		q.write(fmt.Sprintf(" AS k%d, ", i))
	}
	for i, ms := range req.Measures {
		if i > 0 {
			q.write(", ")
		}
		if err := m.measureExpr(q, ms); err != nil {
			return nil, err
		}
	}
	if len(req.Sets) > 0 {
		q.write(", ", setIndex(len(req.Keys), req.Sets), " AS grouping_set")
	}
	q.write(" FROM ", m.table())
	if err := m.where(q, req.Scope); err != nil {
		return nil, err
	}
	switch {
	case len(req.Sets) > 0:
		q.write(" GROUP BY GROUPING SETS ", groupingSets(req.Sets), " ORDER BY grouping_set")
		for i := range req.Keys {
			q.write(fmt.Sprintf(", k%d", i))
		}
	case len(req.Keys) > 0:
		q.write(" GROUP BY ALL ORDER BY ALL")
	}
	if req.MaxGroups > 0 {
		q.write(fmt.Sprintf(" LIMIT %d", req.MaxGroups+1))
	}
	rows, err := s.db.QueryContext(ctx, q.sql.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate over %q: %w", m.name, err)
	}
	defer rows.Close()
	nk, nm := len(req.Keys), len(req.Measures)
	ncols := nk + nm
	if len(req.Sets) > 0 {
		ncols++
	}
	dest := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	res := &store.AggregateResult{}
	// Rows take their keys and measures from blocks of aggregateBlockRows
	// rows: two allocations per block instead of two per row.
	var keyBlock []store.KeyValue
	var measureBlock []float64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("aggregate over %q: %w", m.name, err)
		}
		if len(keyBlock) < nk {
			keyBlock = make([]store.KeyValue, nk*aggregateBlockRows)
		}
		if len(measureBlock) < nm {
			measureBlock = make([]float64, nm*aggregateBlockRows)
		}
		row := store.AggregateRow{Keys: keyBlock[:nk:nk], Measures: measureBlock[:nm:nm]}
		keyBlock, measureBlock = keyBlock[nk:], measureBlock[nm:]
		for i := 0; i < nk; i++ {
			row.Keys[i] = keyValue(dest[i])
		}
		for i := 0; i < nm; i++ {
			row.Measures[i] = measureValue(dest[nk+i])
		}
		if len(req.Sets) > 0 {
			set, ok := dest[nk+nm].(int32)
			if !ok {
				return nil, fmt.Errorf("aggregate over %q: grouping set %v (%T)", m.name, dest[nk+nm], dest[nk+nm])
			}
			row.Set = int(set)
		}
		res.Rows = append(res.Rows, row)
		if req.MaxGroups > 0 && len(res.Rows) > req.MaxGroups {
			return nil, fmt.Errorf("%w: more than %d groups", store.ErrTooManyGroups, req.MaxGroups)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate over %q: %w", m.name, err)
	}
	return res, nil
}

// groupingSets writes the GROUPING SETS of keys k0, k1, … named by index.
func groupingSets(sets [][]int) string {
	parts := make([]string, len(sets))
	for i, set := range sets {
		names := make([]string, len(set))
		for j, k := range slices.Sorted(slices.Values(set)) {
			names[j] = fmt.Sprintf("k%d", k)
		}
		parts[i] = "(" + strings.Join(names, ", ") + ")"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// setIndex writes the index of a row's set: GROUPING(k0, …) has a bit set
// for each key the row is not grouped by, k0's the highest.
func setIndex(nk int, sets [][]int) string {
	var b strings.Builder
	b.WriteString("CAST(CASE GROUPING(")
	for i := range nk {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "k%d", i)
	}
	b.WriteString(")")
	for i, set := range sets {
		mask := uint64(1)<<nk - 1
		for _, k := range set {
			mask &^= 1 << (nk - 1 - k)
		}
		fmt.Fprintf(&b, " WHEN %d THEN %d", mask, i)
	}
	b.WriteString(" END AS INTEGER)")
	return b.String()
}

// aggregateBlockRows is how many result rows share one allocation.
const aggregateBlockRows = 4096

func keyValue(v any) store.KeyValue {
	switch x := v.(type) {
	case nil:
		return store.KeyValue{Null: true}
	case int64:
		return store.KeyValue{Int: x, Num: float64(x)}
	case int32:
		return store.KeyValue{Int: int64(x), Num: float64(x)}
	case int16:
		return store.KeyValue{Int: int64(x), Num: float64(x)}
	case int8:
		return store.KeyValue{Int: int64(x), Num: float64(x)}
	case float64:
		return store.KeyValue{Num: x}
	case float32:
		return store.KeyValue{Num: float64(x)}
	case string:
		return store.KeyValue{Str: x}
	case bool:
		return store.KeyValue{Bool: x}
	}
	return store.KeyValue{Str: fmt.Sprint(v)}
}

func measureValue(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		return x
	case float32:
		return float64(x)
	}
	// NULL: an aggregate over no non-null rows is undefined.
	return math.NaN()
}
