package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// Values passes fn each group's distinct values of a numeric column with
// their counts. ClickHouse groups by (keys, value) and folds each group's
// values into two arrays, so one row per group crosses, with its distinct
// values; MaxValues bounds the (group, value) pairs before any is read.
func (s *Store) Values(ctx context.Context, req store.ValuesRequest, fn func(store.ValueGroup) error) error {
	m, err := s.model(ctx, req.Scope.Model)
	if err != nil {
		return err
	}
	probe := &query{}
	col, kind, err := m.column(probe, req.Col)
	if err != nil {
		return err
	}
	if kind != store.Numeric {
		return fmt.Errorf("%w: %s is categorical; values are read from numeric columns", store.ErrTypeMismatch, req.Col)
	}
	keys := make([]string, len(req.Keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	inner := &query{}
	inner.write("SELECT ")
	for i, k := range req.Keys {
		if err := m.keyExpr(inner, k); err != nil {
			return err
		}
		inner.write(" AS ", keys[i], ", ")
	}
	col, _, _ = m.column(inner, req.Col)
	inner.write(col, " AS v, count() AS c FROM ")
	s.from(inner, m)
	if err := m.where(inner, req.Scope); err != nil {
		return err
	}
	inner.write(" GROUP BY ", strings.Join(append(append([]string{}, keys...), "v"), ", "))
	if req.MaxValues > 0 {
		cq := &query{args: inner.args}
		cq.write("SELECT count() FROM (", inner.text(), ") WHERE isNotNull(v)")
		var total int64
		err := s.scanMerged(ctx, fmt.Sprintf("values of %s over %q", req.Col, m.name), cq, func(vals []any) error {
			total = int64(measureValue(vals[0]))
			return nil
		})
		if err != nil {
			return err
		}
		if total > int64(req.MaxValues) {
			return fmt.Errorf("%w: %s has %d distinct values in its groups, more than %d", store.ErrTooManyGroups, req.Col, total, req.MaxValues)
		}
	}
	q := &query{args: inner.args}
	q.write("SELECT ")
	for _, k := range keys {
		q.write(k, ", ")
	}
	// (value, count) pairs sorted by value, split into two arrays.
	pairs := "arraySort(x -> x.1, groupArrayIf((assumeNotNull(v), c), isNotNull(v)))"
	q.write("toInt64(sumIf(c, isNull(v))), arrayMap(x -> x.1, ", pairs, "), arrayMap(x -> x.2, ", pairs, ") FROM (",
		inner.text(), ")")
	if len(keys) > 0 {
		list := strings.Join(keys, ", ")
		q.write(" GROUP BY ", list, " ORDER BY ", list)
	}
	nk := len(req.Keys)
	var g store.ValueGroup
	return s.scanMerged(ctx, fmt.Sprintf("values of %s over %q", req.Col, m.name), q, func(vals []any) error {
		g.Keys = make([]store.KeyValue, nk)
		for i := range nk {
			g.Keys[i] = keyValue(vals[i], req.Keys[i].Kind)
		}
		g.Missing, _ = toInt(vals[nk])
		vs, _ := vals[nk+1].([]float64)
		cs, _ := vals[nk+2].([]uint64)
		if len(vs) != len(cs) {
			return fmt.Errorf("values of %s over %q: %d values but %d counts", req.Col, m.name, len(vs), len(cs))
		}
		if nk == 0 && g.Missing == 0 && len(vs) == 0 {
			return nil // no records in scope
		}
		g.Values = append(g.Values[:0], vs...)
		g.Counts = g.Counts[:0]
		for _, c := range cs {
			g.Counts = append(g.Counts, float64(c))
		}
		g.SortValues()
		return fn(g)
	})
}

// VectorSums adds up the embeddings of each group inside ClickHouse with
// sumForEach over the vectors (as Float64), one row per group crossing into
// Go. The dimension check counts (and names one of) the vectors whose length
// is not the model's, which ingest never stores.
func (s *Store) VectorSums(ctx context.Context, req store.VectorSumsRequest) (*store.VectorSumsResult, error) {
	m, err := s.model(ctx, req.Scope.Model)
	if err != nil {
		return nil, err
	}
	if m.embeddingDim == 0 {
		return nil, fmt.Errorf("model %q: %w", m.name, store.ErrNoEmbeddings)
	}
	dim := m.embeddingDim
	keys := make([]string, len(req.Keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	q := &query{}
	q.write("SELECT ")
	for i, k := range req.Keys {
		if err := m.keyExpr(q, k); err != nil {
			return nil, err
		}
		q.write(" AS ", keys[i], ", ")
	}
	q.write("count(), countIf(length(embedding) <> ")
	q.arg(dim)
	q.write("), minIf(id, length(embedding) <> ")
	q.arg(dim)
	q.write("), argMinIf(length(embedding), id, length(embedding) <> ")
	q.arg(dim)
	q.write("), sumForEach(arrayMap(x -> toFloat64(x), embedding)) FROM ")
	s.from(q, m)
	if err := m.where(q, req.Scope); err != nil {
		return nil, err
	}
	q.write(" AND notEmpty(embedding)")
	if len(keys) > 0 {
		list := strings.Join(keys, ", ")
		q.write(" GROUP BY ", list, " ORDER BY ", list)
		if req.MaxGroups > 0 {
			q.write(fmt.Sprintf(" LIMIT %d", req.MaxGroups+1))
		}
	}
	nk := len(req.Keys)
	res := &store.VectorSumsResult{Dim: dim}
	err = s.scanMerged(ctx, "vector sums over "+m.name, q, func(vals []any) error {
		row := store.VectorSumsRow{Keys: make([]store.KeyValue, nk)}
		for i := range nk {
			row.Keys[i] = keyValue(vals[i], req.Keys[i].Kind)
		}
		row.Count, _ = toInt(vals[nk])
		if bad, _ := toInt(vals[nk+1]); bad > 0 {
			id, _ := vals[nk+2].(string)
			got, _ := toInt(vals[nk+3])
			return &store.DimensionError{Model: m.name, ID: id, Got: int(got), Want: dim}
		}
		if row.Count == 0 {
			return nil
		}
		sums, _ := vals[nk+4].([]float64)
		if len(sums) != dim {
			return fmt.Errorf("vector sums over %q: %d components, want %d", m.name, len(sums), dim)
		}
		row.Sums = append([]float64(nil), sums...)
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

// recordColumns are the columns Sample and Lookup return, in scan order.
func recordColumns(q *query, m *modelEntry) {
	label, _, _ := m.column(q, store.Column{Kind: store.ColActualLabel})
	value, _, _ := m.column(q, store.Column{Kind: store.ColActualValue})
	q.write("id, ts, version, environment, pred_label, pred_score, pred_value, ",
		label, ", ", value, ", ", m.actualMS(q), ", text")
}

// Sample picks the same deterministic, time-stratified sample as the
// DuckDB store: records ranked by (idh, id) within their stratum, position
// (rank − ½) / (records in the stratum), the Limit smallest positions kept.
// Without window functions (older servers have none) each stratum's (idh,
// id) pairs are sorted into an array and enumerated; only those pairs move,
// and the picked records are read back by a GLOBAL IN.
func (s *Store) Sample(ctx context.Context, req store.SampleRequest) ([]store.Record, error) {
	m, err := s.model(ctx, req.Scope.Model)
	if err != nil {
		return nil, err
	}
	if err := sqlbuild.CheckSample(m.name, m.embeddingDim, req); err != nil {
		return nil, err
	}
	pick := &query{}
	pick.write("SELECT idh, id, ")
	if req.Stratify > 0 {
		if err := m.keyExpr(pick, store.Key{Kind: store.KeyBucket, Interval: req.Stratify}); err != nil {
			return nil, err
		}
	} else {
		pick.write("0")
	}
	pick.write(" AS s FROM ")
	s.from(pick, m)
	if err := m.where(pick, req.Scope); err != nil {
		return nil, err
	}
	if req.Embeddings {
		pick.write(" AND notEmpty(embedding)")
	}
	q := &query{}
	q.write("SELECT ")
	recordColumns(q, m)
	if req.Embeddings {
		q.write(", embedding")
	}
	q.write(" FROM ")
	s.from(q, m)
	q.write(" WHERE (idh, id) GLOBAL IN (SELECT p.1, p.2 FROM (SELECT arraySort(groupArray((idh, id))) AS ps, count() AS n FROM (",
		pick.text(), ") GROUP BY s) ARRAY JOIN ps AS p, arrayEnumerate(ps) AS rk ORDER BY (rk - 0.5) / n, p.1, p.2 LIMIT ")
	q.args = append(q.args, pick.args...)
	q.arg(req.Limit)
	q.write(") ORDER BY ts, id")
	out, err := s.scanRecords(ctx, m, q, req.Embeddings)
	if err != nil {
		return nil, fmt.Errorf("sample of %q: %w", m.name, err)
	}
	return out, nil
}

// Lookup reads records by id; the ids travel as an external table and the
// id hashes narrow each shard's scan.
func (s *Store) Lookup(ctx context.Context, req store.LookupRequest) ([]store.Record, error) {
	m, err := s.model(ctx, req.Model)
	if err != nil {
		return nil, err
	}
	if req.Embeddings && m.embeddingDim == 0 {
		return nil, fmt.Errorf("model %q: %w", m.name, store.ErrNoEmbeddings)
	}
	if len(req.IDs) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(req.IDs))
	ids := make([]string, 0, len(req.IDs))
	for _, id := range req.IDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	t, err := hashTable(ids)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.write("SELECT ")
	recordColumns(q, m)
	if req.Embeddings {
		q.write(", embedding")
	}
	q.write(" FROM ")
	s.from(q, m)
	q.write(" WHERE idh GLOBAL IN (SELECT idh FROM vigil_ids) AND id GLOBAL IN (SELECT id FROM vigil_ids) ORDER BY ts, id")
	out, err := s.scanRecords(ch.Context(ctx, ch.WithExternalTable(t)), m, q, req.Embeddings)
	if err != nil {
		return nil, fmt.Errorf("look up records of %q: %w", m.name, err)
	}
	return out, nil
}

func (s *Store) scanRecords(ctx context.Context, m *modelEntry, q *query, withEmbedding bool) ([]store.Record, error) {
	var out []store.Record
	err := s.scanMerged(ctx, "read records of "+m.name, q, func(vals []any) error {
		var r store.Record
		r.Model = m.name
		r.ID, _ = vals[0].(string)
		ts, _ := toInt(vals[1])
		r.Time = time.UnixMilli(ts).UTC()
		r.Version, _ = vals[2].(string)
		r.Environment, _ = vals[3].(string)
		str := func(v any) (string, bool) { s, ok := v.(string); return s, ok }
		num := func(v any) (float64, bool) {
			if v == nil {
				return 0, false
			}
			return toFloat(v), true
		}
		r.Prediction.Label, r.Prediction.HasLabel = str(vals[4])
		r.Prediction.Score, r.Prediction.HasScore = num(vals[5])
		r.Prediction.Value, r.Prediction.HasValue = num(vals[6])
		if vals[9] != nil {
			r.Actual.Label, r.Actual.HasLabel = str(vals[7])
			r.Actual.Value, r.Actual.HasValue = num(vals[8])
			ms, _ := toInt(vals[9])
			r.ActualTime = time.UnixMilli(ms).UTC()
		}
		r.Text, _ = str(vals[10])
		if withEmbedding {
			if e, ok := vals[11].([]float32); ok && len(e) > 0 {
				r.Embedding = append([]float32(nil), e...)
			}
		}
		out = append(out, r)
		return nil
	})
	return out, err
}
