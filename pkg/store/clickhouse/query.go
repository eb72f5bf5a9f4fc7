package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// maxBinEdges bounds the edges of one binned key.
const maxBinEdges = 512

// fromMarker stands for the FROM source until the query knows whether it
// reads actuals (the join with the model's late actuals is left out when not).
const fromMarker = "\x00FROM\x00"

// query is SQL text with its bound arguments, built from a typed request:
// identifiers come from the catalog, every value is a parameter.
type query struct {
	sql        strings.Builder
	args       []any
	needActual bool
	from       string // the inference table
	join       string // the actuals join
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

// boundArray writes an array literal of bound values.
func boundArray[T any](q *query, xs []T) {
	q.bound("[", "]", len(xs), func(i int) any { return xs[i] })
}

func (q *query) argList(vs []any) {
	q.bound("(", ")", len(vs), func(i int) any { return vs[i] })
}

// bound writes n bound values between open and close, separated by commas.
func (q *query) bound(open, close string, n int, at func(int) any) {
	q.sql.WriteString(open)
	for i := range n {
		if i > 0 {
			q.sql.WriteString(", ")
		}
		q.arg(at(i))
	}
	q.sql.WriteString(close)
}

// text is the SQL with the FROM source filled in.
func (q *query) text() string {
	src := q.from
	if q.needActual {
		src += " " + q.join
	}
	return strings.ReplaceAll(q.sql.String(), fromMarker, src)
}

// from writes the model's records as a source: the inference table, joined
// with the latest late actual of each id when the query reads actuals. In a
// cluster the join reads each shard's own actuals table: a record and its
// actuals share a shard (both are sharded by idh).
func (s *Store) from(q *query, m *modelEntry) {
	q.from = fmt.Sprintf("%s.%s", s.db, m.table())
	acts := m.actuals()
	if s.clustered() {
		acts += "_local"
	}
	q.join = fmt.Sprintf(`ANY LEFT JOIN (SELECT idh, id, argMax(tuple(actual_label, actual_value, actual_ms), seq) AS a_t,
		tupleElement(a_t, 1) AS a_label, tupleElement(a_t, 2) AS a_value, tupleElement(a_t, 3) AS a_ms, toUInt8(1) AS a_has
		FROM %s.%s GROUP BY idh, id) AS vigil_acts USING (idh, id)`, s.db, acts)
	q.write(fromMarker)
}

// Expressions of the actual's parts: a late actual wins over the one the
// inference carried.
func (m *modelEntry) actualMS(q *query) string {
	q.needActual = true
	return "if(a_has = 1, a_ms, actual_ms)"
}

// column returns the SQL of a record part and its kind.
func (m *modelEntry) column(q *query, c store.Column) (string, store.Kind, error) {
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
		q.needActual = true
		return "if(a_has = 1, a_label, actual_label)", store.Categorical, nil
	case store.ColActualValue:
		q.needActual = true
		return "if(a_has = 1, a_value, actual_value)", store.Numeric, nil
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
		q.write(" AND isNotNull(", m.actualMS(q), ")")
	}
	for _, f := range sc.Filters {
		col, kind, err := m.column(q, f.Col)
		if err != nil {
			return err
		}
		q.write(" AND ")
		switch f.Op {
		case store.OpIsNull:
			q.write("isNull(", col, ")")
			continue
		case store.OpNotNull:
			q.write("isNotNull(", col, ")")
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
			// A missing value is neither in nor out of a list (as SQL's NULL).
			q.write("isNotNull(", col, ") AND ", col, " ", strings.ToUpper(string(f.Op)), " ")
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
		// Floor division that stays exact for negative epochs.
		q.write("(ts - (((ts % ")
		q.arg(ms)
		q.write(") + ")
		q.arg(ms)
		q.write(") % ")
		q.arg(ms)
		q.write("))")
		return nil
	case store.KeyColumn:
		col, _, err := m.column(q, k.Col)
		if err != nil {
			return err
		}
		q.write(col)
		return nil
	case store.KeyBin:
		col, kind, err := m.column(q, k.Col)
		if err != nil {
			return err
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical and cannot be binned", store.ErrTypeMismatch, k.Col)
		}
		if len(k.Edges) > maxBinEdges {
			return fmt.Errorf("%d bin edges is more than the limit of %d", len(k.Edges), maxBinEdges)
		}
		q.write("toInt64(if(isNull(", col, "), -1, ")
		bin, args := sqlbuild.Bin(sqlbuild.ClickHouse, col, k.Edges)
		q.write(bin)
		q.args = append(q.args, args...)
		q.write("))")
		return nil
	case store.KeyGrid:
		col, kind, err := m.column(q, k.Col)
		if err != nil {
			return err
		}
		if kind != store.Numeric {
			return fmt.Errorf("%w: %s is categorical and cannot be put on a grid", store.ErrTypeMismatch, k.Col)
		}
		if math.IsNaN(k.Origin) || math.IsInf(k.Origin, 0) || !(k.Width > 0) || math.IsInf(k.Width, 0) {
			return fmt.Errorf("grid on %s: origin %v and width %v must be finite and the width positive", k.Col, k.Origin, k.Width)
		}
		q.write("toInt64(floor((", col, " - ")
		q.arg(k.Origin)
		q.write(") / ")
		q.arg(k.Width)
		q.write("))")
		return nil
	case store.KeyIn:
		col, _, err := m.column(q, k.Col)
		if err != nil {
			return err
		}
		if len(k.Values) == 0 {
			return fmt.Errorf("group key on %s: needs at least one value", k.Col)
		}
		q.write("if(isNull(", col, "), NULL, ", col, " IN ")
		q.argList(sqlbuild.StringArgs(k.Values))
		q.write(")")
		return nil
	}
	return fmt.Errorf("unknown group key kind %d", k.Kind)
}

// measureExpr writes the per-shard part of a measure and returns how the
// shards' parts combine (the function applied to them in the outer query).
func (m *modelEntry) measureExpr(q *query, ms store.Measure) (merge string, err error) {
	operand := func(c store.Column) (string, error) {
		col, kind, err := m.column(q, c)
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
		q.write("count()")
		return "sum", nil
	case store.CountNotNull:
		col, _, err := m.column(q, ms.A)
		if err != nil {
			return "", err
		}
		q.write("count(", col, ")")
		return "sum", nil
	case store.SumLogLoss:
		a, err := operand(ms.A)
		if err != nil {
			return "", err
		}
		b, _, err := m.column(q, ms.B)
		if err != nil {
			return "", err
		}
		clipped := func() {
			q.write("least(greatest(", a, ", ")
			q.arg(metrics.LogLossClip)
			q.write("), ")
			q.arg(1 - metrics.LogLossClip)
			q.write(")")
		}
		q.write("sumKahan(if(ifNull(", b, " = ")
		q.arg(ms.Positive)
		q.write(", 0), -log(")
		clipped()
		q.write("), -log(1 - ")
		clipped()
		q.write(")))")
		return "sumKahan", nil
	case store.CountEqual:
		a, ka, err := m.column(q, ms.A)
		if err != nil {
			return "", err
		}
		b, kb, err := m.column(q, ms.B)
		if err != nil {
			return "", err
		}
		if ka != kb {
			return "", fmt.Errorf("%w: cannot compare %s (%s) with %s (%s)", store.ErrTypeMismatch, ms.A, ka, ms.B, kb)
		}
		q.write("countIf(ifNull(", a, " = ", b, ", 0))")
		return "sum", nil
	case store.CountDistinct:
		col, _, err := m.column(q, ms.A)
		if err != nil {
			return "", err
		}
		// Shards send their sets of values; the outer query unites them.
		q.write("uniqExactState(", col, ")")
		return "uniqExactMerge", nil
	case store.CountIn:
		col, kind, err := m.column(q, ms.A)
		if err != nil {
			return "", err
		}
		if kind != store.Categorical {
			return "", fmt.Errorf("%w: %s is not categorical", store.ErrTypeMismatch, ms.A)
		}
		if len(ms.Values) == 0 {
			q.write("countIf(0)")
			return "sum", nil
		}
		q.write("countIf(isNotNull(", col, ") AND ", col, " IN ")
		q.argList(sqlbuild.StringArgs(ms.Values))
		q.write(")")
		return "sum", nil
	}
	a, err := operand(ms.A)
	if err != nil {
		return "", err
	}
	var b string
	switch ms.Op {
	case store.SumSqErr, store.SumAbsErr, store.SumAbsPctErr:
		if b, err = operand(ms.B); err != nil {
			return "", err
		}
	}
	switch ms.Op {
	case store.Sum:
		q.write("sumKahan(toFloat64(", a, "))")
	case store.SumSquares:
		q.write("sumKahan(", a, " * ", a, ")")
	case store.SumSqErr:
		q.write("sumKahan((", a, " - ", b, ") * (", a, " - ", b, "))")
	case store.SumAbsErr:
		q.write("sumKahan(abs(", a, " - ", b, "))")
	case store.SumAbsPctErr:
		q.write("sumKahan(abs(", a, " - ", b, ") / greatest(abs(", a, "), 2.220446049250313e-16))")
	case store.Min:
		q.write("min(", a, ")")
		return "min", nil
	case store.Max:
		q.write("max(", a, ")")
		return "max", nil
	case store.Mean:
		// Compensated sum and count per shard; their ratio after combining.
		q.write("tuple(sumKahan(toFloat64(", a, ")), count(", a, "))")
		return "(sumKahan(tupleElement(%[1]s, 1)) / nullIf(sum(tupleElement(%[1]s, 2)), 0))", nil
	case store.StdSamp:
		q.write("stddevSampState(", a, ")")
		return "stddevSampMerge", nil
	case store.Quantile:
		if !(ms.Q >= 0 && ms.Q <= 1) {
			return "", fmt.Errorf("quantile level %v of %s: must be between 0 and 1", ms.Q, ms.A)
		}
		// Each shard's non-null values; the outer query sorts them all and
		// interpolates linearly between order statistics (numpy's default),
		// inside the server. The level is a validated number.
		q.write("groupArrayIf(assumeNotNull(toFloat64(", a, ")), isNotNull(", a, "))")
		h := "((length(arraySort(groupArrayArray(%[1]s))) - 1) * toFloat64(" + strconv.FormatFloat(ms.Q, 'g', -1, 64) + "))"
		at := func(i string) string { return "arraySort(groupArrayArray(%[1]s))[toUInt64(" + i + ") + 1]" }
		lo, hi := "floor("+h+")", "least(floor("+h+") + 1, toFloat64(length(arraySort(groupArrayArray(%[1]s))) - 1))"
		return "if(length(arraySort(groupArrayArray(%[1]s))) = 0, NULL, " + at(lo) + " + (" + h + " - " + lo + ") * (" + at(hi) + " - " + at(lo) + "))", nil
	case store.SumInterp:
		if err := sqlbuild.CheckInterp(ms.Knots, ms.At); err != nil {
			return "", fmt.Errorf("%s: %w", ms.A, err)
		}
		f, args := sqlbuild.Interp(sqlbuild.ClickHouse, "assumeNotNull("+a+")", ms.Knots, ms.At, false)
		q.write("sumKahan(if(isNull(", a, "), 0, toFloat64(", f, ")))")
		q.args = append(q.args, args...)
	case store.CountOutside:
		if math.IsNaN(ms.Lo) || math.IsNaN(ms.Hi) {
			return "", fmt.Errorf("range of %s: bounds must not be NaN", ms.A)
		}
		q.write("countIf(ifNull(", a, " < ")
		q.arg(ms.Lo)
		q.write(" OR ", a, " > ")
		q.arg(ms.Hi)
		q.write(", 0))")
		return "sum", nil
	default:
		return "", fmt.Errorf("unknown measure %d", ms.Op)
	}
	return "sumKahan", nil
}

// Aggregate runs one grouped aggregate over a model's records. Each shard
// aggregates its own records and finishes its partial results; the outer
// query combines them (sums of counts, compensated sums of sums, min of
// minima):
//
//	SELECT k0, …, sum(m0), sumKahan(m1), … FROM (
//	    SELECT <key> AS k0, …, count() AS m0, sumKahan(<expr>) AS m1, …
//	    FROM inf_N [ANY LEFT JOIN <latest actuals> USING (idh, id)]
//	    WHERE <scope> GROUP BY k0, …)
//	GROUP BY k0, … ORDER BY k0, … LIMIT <MaxGroups + 1>
//
// run with distributed_group_by_no_merge, so shards send finished partial
// values (a few rows per group), not aggregate states; on one server the
// outer query sees one row per group.
//
// A request with grouping sets runs one such aggregate per set
// (store.AggregateEachSet): ClickHouse 18 has no GROUPING SETS.
func (s *Store) Aggregate(ctx context.Context, req store.AggregateRequest) (*store.AggregateResult, error) {
	if len(req.Sets) > 0 {
		return store.AggregateEachSet(ctx, req, s.Aggregate)
	}
	m, err := s.model(ctx, req.Scope.Model)
	if err != nil {
		return nil, err
	}
	if len(req.Measures) == 0 {
		return nil, errors.New("aggregate: at least one measure is required")
	}
	q := &query{}
	inner := &query{}
	nk, nm := len(req.Keys), len(req.Measures)
	keys := make([]string, nk)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	inner.write("SELECT ")
	for i, k := range req.Keys {
		if err := m.keyExpr(inner, k); err != nil {
			return nil, err
		}
		inner.write(" AS ", keys[i], ", ")
	}
	merges := make([]string, nm)
	for i, ms := range req.Measures {
		if i > 0 {
			inner.write(", ")
		}
		if merges[i], err = m.measureExpr(inner, ms); err != nil {
			return nil, err
		}
		inner.write(fmt.Sprintf(" AS m%d", i))
	}
	inner.write(" FROM ")
	s.from(inner, m)
	if err := m.where(inner, req.Scope); err != nil {
		return nil, err
	}
	if nk > 0 {
		inner.write(" GROUP BY ", strings.Join(keys, ", "))
	}
	q.write("SELECT ")
	for _, k := range keys {
		q.write(k, ", ")
	}
	for i := range req.Measures {
		if i > 0 {
			q.write(", ")
		}
		col := fmt.Sprintf("m%d", i)
		if strings.Contains(merges[i], "%[1]s") {
			q.write(fmt.Sprintf(merges[i], col))
		} else {
			q.write(merges[i], "(", col, ")")
		}
	}
	q.write(" FROM (", inner.text(), ")")
	q.args = inner.args
	if nk > 0 {
		q.write(" GROUP BY ", strings.Join(keys, ", "), " ORDER BY ", strings.Join(keys, ", "))
	}
	if req.MaxGroups > 0 {
		q.write(fmt.Sprintf(" LIMIT %d", req.MaxGroups+1))
	}
	res := &store.AggregateResult{}
	err = s.scan(ctx, "aggregate over "+m.name, q, func(vals []any) error {
		row := store.AggregateRow{Measures: make([]float64, nm)}
		if nk > 0 {
			row.Keys = make([]store.KeyValue, nk)
		}
		for i := range nk {
			row.Keys[i] = keyValue(vals[i], req.Keys[i].Kind)
		}
		for i := range nm {
			row.Measures[i] = measureValue(vals[nk+i])
		}
		res.Rows = append(res.Rows, row)
		if req.MaxGroups > 0 && len(res.Rows) > req.MaxGroups {
			return fmt.Errorf("%w: more than %d groups", store.ErrTooManyGroups, req.MaxGroups)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// noMerge makes shards finish their partial aggregates (see Aggregate).
var noMerge = map[string]any{"distributed_group_by_no_merge": 1}

// scan runs a two-level aggregate (see Aggregate) and passes fn each row's
// values (dereferenced: nil for NULL).
func (s *Store) scan(ctx context.Context, what string, q *query, fn func([]any) error) error {
	return s.scanWith(ctx, noMerge, what, q, fn)
}

// scanMerged runs a query whose Distributed reads merge as usual.
func (s *Store) scanMerged(ctx context.Context, what string, q *query, fn func([]any) error) error {
	return s.scanWith(ctx, nil, what, q, fn)
}

func (s *Store) scanWith(ctx context.Context, settings map[string]any, what string, q *query, fn func([]any) error) error {
	sql := q.text()
	record(sql, q.args)
	rows, err := s.conn.Query(s.queryCtx(ctx, settings), sql, q.args...)
	if err != nil {
		return s.wrapQueryError(what, err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	dest := make([]any, len(types))
	vals := make([]any, len(types))
	for i, t := range types {
		dest[i] = reflect.New(t.ScanType()).Interface()
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for i, d := range dest {
			vals[i] = deref(d)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrapQueryError(what, err)
	}
	return nil
}

// deref returns the value a scan destination points to, nil for NULL.
func deref(p any) any {
	v := reflect.ValueOf(p).Elem()
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	return v.Interface()
}

func keyValue(v any, kind store.KeyKind) store.KeyValue {
	if v == nil {
		return store.KeyValue{Null: true}
	}
	if kind == store.KeyIn {
		return store.KeyValue{Bool: toFloat(v) != 0}
	}
	switch x := v.(type) {
	case string:
		return store.KeyValue{Str: x}
	case float64:
		return store.KeyValue{Num: x}
	case float32:
		return store.KeyValue{Num: float64(x)}
	case bool:
		return store.KeyValue{Bool: x}
	}
	if i, ok := toInt(v); ok {
		return store.KeyValue{Int: i, Num: float64(i)}
	}
	return store.KeyValue{Str: fmt.Sprint(v)}
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	}
	if i, ok := toInt(v); ok {
		return float64(i)
	}
	return math.NaN()
}

// measureValue converts a measure; NULL (an aggregate over no non-null rows) is NaN.
func measureValue(v any) float64 {
	if v == nil {
		return math.NaN()
	}
	return toFloat(v)
}
