package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/zeebo/xxh3"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// idHash is the 64-bit hash of a record id kept beside it (xxh3, as the
// DuckDB store): duplicate checks and lookups probe it, and it is the
// sharding key, so a record and its actuals live on one shard.
func idHash(id string) uint64 { return xxh3.HashString(id) }

// baseColumns are the fixed columns of every inference table, in order.
var baseColumns = []struct{ name, typ string }{
	{"id", "String"},
	{"idh", "UInt64"},
	{"version", "String"},
	{"environment", "String"},
	{"ts", "Int64"},
	{"pred_label", "Nullable(String)"},
	{"pred_score", "Nullable(Float64)"},
	{"pred_value", "Nullable(Float64)"},
	{"actual_label", "Nullable(String)"},
	{"actual_value", "Nullable(Float64)"},
	{"actual_ms", "Nullable(Int64)"},
	{"text", "Nullable(String)"},
	{"embedding", "Array(Float32)"},
}

const actualColumns = "id String, idh UInt64, actual_label Nullable(String), actual_value Nullable(Float64), actual_ms Int64, seq UInt64"

// plan is a batch checked whole against the catalog: what it adds to the
// catalog and, per model, the records to store.
type plan struct {
	models    []*planModel
	newModels []*modelEntry
	nextKey   int
}

type planModel struct {
	m         *modelEntry // the entry after the batch
	isNew     bool
	newFields []store.FieldInfo
	dimSet    bool
	inference []*store.Record // first record of each id in the batch
	repeats   int
	actuals   []*store.Record // last actual-only record of each id
}

// check validates the whole batch before anything is written: every record
// (store.CheckRecord), the kind of every feature and tag against the
// catalog and the batch's earlier records, embedding dimensions and the
// catalog's limits. The error names the first record at fault.
func (s *Store) check(batch []store.Record) (*plan, error) {
	p := &plan{}
	s.catMu.RLock()
	for _, m := range s.catalog {
		p.nextKey = max(p.nextKey, m.key)
	}
	s.catMu.RUnlock()
	byName := map[string]*planModel{}
	ids := map[*planModel]map[string]struct{}{}
	lastActual := map[*planModel]map[string]int{}
	for i := range batch {
		r := &batch[i]
		if err := store.CheckRecord(r); err != nil {
			return nil, err
		}
		pm := byName[r.Model]
		if pm == nil {
			s.catMu.RLock()
			m := s.catalog[r.Model]
			s.catMu.RUnlock()
			pm = &planModel{}
			if m != nil {
				pm.m = m.clone()
			} else {
				p.nextKey++
				pm.m = &modelEntry{key: p.nextKey, name: r.Model, features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
				pm.isNew = true
				p.newModels = append(p.newModels, pm.m)
			}
			byName[r.Model] = pm
			ids[pm] = map[string]struct{}{}
			lastActual[pm] = map[string]int{}
			p.models = append(p.models, pm)
		}
		m := pm.m
		if r.ActualOnly {
			if k, again := lastActual[pm][r.ID]; again {
				pm.actuals[k] = r
			} else {
				lastActual[pm][r.ID] = len(pm.actuals)
				pm.actuals = append(pm.actuals, r)
			}
			continue
		}
		field := func(kind store.FieldKind, name string, k store.Kind) *store.RecordError {
			fields := m.features
			if kind == store.FieldTag {
				fields = m.tags
			}
			f, ok := fields[name]
			if k == store.Missing {
				return nil
			}
			if ok {
				if f.Type != k {
					return &store.RecordError{Line: r.Line, Field: string(kind) + "s." + name, Msg: fmt.Sprintf(
						"%s %q of model %q is %s, but this record gives a %s value", kind, name, m.name, f.Type, k)}
				}
				return nil
			}
			if len(m.features)+len(m.tags) >= store.MaxFieldsPerModel {
				return &store.RecordError{Line: r.Line, Field: string(kind) + "s." + name, Msg: fmt.Sprintf(
					"model %q would have more than %d features and tags", m.name, store.MaxFieldsPerModel)}
			}
			f = store.FieldInfo{Kind: kind, Name: name, Type: k, Index: len(m.features) + len(m.tags) + 1}
			fields[name] = f
			pm.newFields = append(pm.newFields, f)
			return nil
		}
		for _, f := range r.Features {
			if err := field(store.FieldFeature, f.Name, f.Value.Kind); err != nil {
				return nil, err
			}
		}
		for _, t := range r.Tags {
			k := store.Missing
			if t.Set {
				k = store.Categorical
			}
			if err := field(store.FieldTag, t.Name, k); err != nil {
				return nil, err
			}
		}
		if n := len(r.Embedding); n > 0 {
			switch {
			case n > store.MaxEmbeddingDim:
				return nil, &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf("%d dimensions is more than the limit of %d", n, store.MaxEmbeddingDim)}
			case m.embeddingDim == 0:
				m.embeddingDim, pm.dimSet = n, true
			case m.embeddingDim != n:
				return nil, &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf(
					"record %q has %d dimensions but model %q has %d", r.ID, n, m.name, m.embeddingDim)}
			}
		}
		if _, repeat := ids[pm][r.ID]; repeat {
			pm.repeats++
			continue
		}
		ids[pm][r.ID] = struct{}{}
		pm.inference = append(pm.inference, r)
	}
	return p, nil
}

// Ingest validates the batch whole, then stores it. See the package
// documentation for what is atomic: each table insert is, the batch as a
// whole is not, but a batch that failed part-way can be sent again (its
// stored records are recognised as duplicates).
func (s *Store) Ingest(ctx context.Context, batch []store.Record, opts store.IngestOptions) (store.IngestResult, error) {
	var res store.IngestResult
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// Another process may have added models or fields.
	if err := s.loadCatalog(ctx); err != nil {
		return res, err
	}
	p, err := s.check(batch)
	if err != nil {
		return res, err
	}
	if opts.IdempotencyKey != "" {
		var n uint64
		if err := s.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count() FROM %s.vigil_batches WHERE idempotency_key = ?`, s.db),
			opts.IdempotencyKey).Scan(&n); err != nil {
			return res, fmt.Errorf("ingest: idempotency check: %w", err)
		}
		if n > 0 {
			res.Replayed = true
			return res, nil
		}
	}
	if err := s.applyCatalog(ctx, p, now); err != nil {
		return res, err
	}
	for _, pm := range p.models {
		if len(pm.inference) > 0 {
			added, dups, err := s.insertInferences(ctx, pm)
			if err != nil {
				return res, fmt.Errorf("ingest model %q: %w", pm.m.name, err)
			}
			res.Inferences += added
			res.Duplicates += dups
		}
		res.Duplicates += pm.repeats
		if len(pm.actuals) > 0 {
			attached, pending, err := s.insertActuals(ctx, pm, now)
			if err != nil {
				return res, fmt.Errorf("ingest actuals of model %q: %w", pm.m.name, err)
			}
			res.Actuals += attached
			res.PendingActuals += pending
		}
	}
	if opts.IdempotencyKey != "" {
		if err := s.insertCatalog(ctx, "vigil_batches", "idempotency_key, ingested_ms, inferences, actuals",
			[][]any{{opts.IdempotencyKey, now.UnixMilli(), int64(res.Inferences), int64(res.Actuals)}}); err != nil {
			return res, fmt.Errorf("ingest: record idempotency key: %w", err)
		}
	}
	s.catMu.Lock()
	for _, pm := range p.models {
		s.catalog[pm.m.name] = pm.m
	}
	s.catMu.Unlock()
	return res, nil
}

// localTable is the table a shard stores rows in.
func (s *Store) localTable(name string) string {
	if s.clustered() {
		return name + "_local"
	}
	return name
}

// applyCatalog creates the tables of new models and adds the columns of new
// fields (on every shard, and to the Distributed tables), then records them
// in the catalog. Creating and altering are idempotent, so a batch that
// failed part-way can be sent again.
func (s *Store) applyCatalog(ctx context.Context, p *plan, now time.Time) error {
	for _, pm := range p.models {
		m := pm.m
		if pm.isNew {
			cols := make([]string, len(baseColumns))
			for i, c := range baseColumns {
				cols[i] = c.name + " " + c.typ
			}
			inf, act := s.localTable(m.table()), s.localTable(m.actuals())
			if err := s.ddl(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS {db}.%s (%s) ENGINE = MergeTree
				PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000))) ORDER BY (version, environment, ts, idh)`,
				inf, strings.Join(cols, ", "))); err != nil {
				return fmt.Errorf("create table of model %q: %w", m.name, err)
			}
			if err := s.ddl(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS {db}.%s (%s) ENGINE = MergeTree
				ORDER BY (idh, id, seq)`, act, actualColumns)); err != nil {
				return fmt.Errorf("create actuals table of model %q: %w", m.name, err)
			}
			if s.clustered() {
				for _, t := range []string{m.table(), m.actuals()} {
					if err := s.ddl(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS {db}.%s AS {db}.%s_local
						ENGINE = Distributed(%s, %s, %s_local, idh)`, t, t, s.opts.Cluster, s.db, t)); err != nil {
						return fmt.Errorf("create distributed table of model %q: %w", m.name, err)
					}
				}
			}
		}
		var fieldRows [][]any
		for _, f := range pm.newFields {
			typ := "Nullable(Float64)"
			if f.Type == store.Categorical {
				typ = "Nullable(String)"
			}
			tables := []string{s.localTable(m.table())}
			if s.clustered() {
				tables = append(tables, m.table())
			}
			for _, t := range tables {
				// Older servers have no ADD COLUMN IF NOT EXISTS: a column a
				// failed batch already added is not an error.
				if err := s.ddl(ctx, fmt.Sprintf("ALTER TABLE {db}.%s ADD COLUMN %s %s", t, fieldColumn(f), typ)); err != nil && !isDuplicateColumn(err) {
					return fmt.Errorf("add %s %q to model %q: %w", f.Kind, f.Name, m.name, err)
				}
			}
			fieldRows = append(fieldRows, []any{uint32(m.key), string(f.Kind), f.Name, uint32(f.Index), f.Type.String()})
		}
		if err := s.insertCatalog(ctx, "vigil_fields", "model_key, kind, name, idx, dtype", fieldRows); err != nil {
			return fmt.Errorf("register fields of model %q: %w", m.name, err)
		}
		if pm.isNew || pm.dimSet {
			if err := s.insertCatalog(ctx, "vigil_models", "model_key, name, embedding_dim, created_ms, seq",
				[][]any{{uint32(m.key), m.name, uint32(m.embeddingDim), now.UnixMilli(), nextSeq()}}); err != nil {
				return fmt.Errorf("register model %q: %w", m.name, err)
			}
		}
	}
	return nil
}

// hashTable is an external table of id hashes and ids sent with a query.
func hashTable(ids []string) (*ext.Table, error) {
	t, err := ext.NewTable("vigil_ids", ext.Column("idh", column.Type("UInt64")), ext.Column("id", column.Type("String")))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := t.Append(idHash(id), id); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// storedIDs returns which of ids the model's inference table holds. The ids
// travel as an external table; each shard probes its own records by hash.
func (s *Store) storedIDs(ctx context.Context, m *modelEntry, ids []string) (map[string]struct{}, error) {
	t, err := hashTable(ids)
	if err != nil {
		return nil, err
	}
	qctx := ch.Context(ctx, ch.WithExternalTable(t))
	rows, err := s.conn.Query(qctx, fmt.Sprintf(`SELECT id FROM %s.%s WHERE idh GLOBAL IN (SELECT idh FROM vigil_ids)
		AND id GLOBAL IN (SELECT id FROM vigil_ids)`, s.db, m.table()))
	if err != nil {
		return nil, s.wrapQueryError("look up stored ids", err)
	}
	defer rows.Close()
	out, err := sqlbuild.IDSet(rows)
	if err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrapQueryError("look up stored ids", err)
	}
	return out, nil
}

// insertCtx makes an insert into a Distributed table write every shard's
// part before it returns (and fail when a shard cannot take it).
func (s *Store) insertCtx(ctx context.Context) context.Context {
	if s.clustered() {
		return ch.Context(ctx, ch.WithSettings(ch.Settings{"insert_distributed_sync": 1}))
	}
	return ctx
}

func optString(v string, ok bool) *string {
	if !ok {
		return nil
	}
	return &v
}

func optFloat(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// insertInferences stores the records whose (model, id) is not stored yet.
func (s *Store) insertInferences(ctx context.Context, pm *planModel) (added, dups int, err error) {
	m := pm.m
	ids := make([]string, len(pm.inference))
	for i, r := range pm.inference {
		ids[i] = r.ID
	}
	stored, err := s.storedIDs(ctx, m, ids)
	if err != nil {
		return 0, 0, err
	}
	fresh := pm.inference
	if len(stored) > 0 {
		fresh = make([]*store.Record, 0, len(pm.inference))
		for _, r := range pm.inference {
			if _, dup := stored[r.ID]; !dup {
				fresh = append(fresh, r)
			}
		}
	}
	if len(fresh) == 0 {
		return 0, len(pm.inference), nil
	}
	schema := m.schema()
	cols := make([]string, 0, len(baseColumns)+len(schema.Features)+len(schema.Tags))
	for _, c := range baseColumns {
		cols = append(cols, c.name)
	}
	featPos := map[string]int{}
	for _, f := range schema.Features {
		featPos[f.Name] = len(cols)
		cols = append(cols, fieldColumn(f))
	}
	tagPos := map[string]int{}
	for _, f := range schema.Tags {
		tagPos[f.Name] = len(cols)
		cols = append(cols, fieldColumn(f))
	}
	kinds := make([]store.Kind, len(cols))
	for _, f := range schema.Features {
		kinds[featPos[f.Name]] = f.Type
	}
	for _, f := range schema.Tags {
		kinds[tagPos[f.Name]] = store.Categorical
	}
	b, err := s.conn.PrepareBatch(s.insertCtx(ctx), fmt.Sprintf("INSERT INTO %s.%s (%s)", s.db, m.table(), strings.Join(cols, ", ")))
	if err != nil {
		return 0, 0, s.wrapQueryError("insert records", err)
	}
	row := make([]any, len(cols))
	set := make([]bool, len(cols))
	for _, r := range fresh {
		row[0], row[1], row[2], row[3], row[4] = r.ID, idHash(r.ID), r.Version, r.Environment, r.Time.UnixMilli()
		row[5] = optString(r.Prediction.Label, r.Prediction.HasLabel)
		row[6] = optFloat(r.Prediction.Score, r.Prediction.HasScore)
		row[7] = optFloat(r.Prediction.Value, r.Prediction.HasValue)
		if r.Actual.IsZero() {
			row[8], row[9], row[10] = (*string)(nil), (*float64)(nil), (*int64)(nil)
		} else {
			row[8] = optString(r.Actual.Label, r.Actual.HasLabel)
			row[9] = optFloat(r.Actual.Value, r.Actual.HasValue)
			at := r.ActualTime
			if at.IsZero() {
				at = r.Time
			}
			ms := at.UnixMilli()
			row[10] = &ms
		}
		row[11] = optString(r.Text, r.Text != "")
		emb := r.Embedding
		if emb == nil {
			emb = []float32{}
		}
		row[12] = emb
		for i := len(baseColumns); i < len(cols); i++ {
			set[i] = false
			if kinds[i] == store.Numeric {
				row[i] = (*float64)(nil)
			} else {
				row[i] = (*string)(nil)
			}
		}
		// The first value of a field in a record wins.
		for _, f := range r.Features {
			c, ok := featPos[f.Name]
			if !ok || set[c] || f.Value.Kind == store.Missing {
				continue
			}
			if f.Value.Kind == store.Numeric {
				row[c] = optFloat(f.Value.Num, true)
			} else {
				row[c] = optString(f.Value.Str, true)
			}
			set[c] = true
		}
		for _, t := range r.Tags {
			c, ok := tagPos[t.Name]
			if !ok || set[c] || !t.Set {
				continue
			}
			row[c] = optString(t.Value, true)
			set[c] = true
		}
		if err := b.Append(row...); err != nil {
			_ = b.Abort()
			return 0, 0, fmt.Errorf("insert records: record %q: %w", r.ID, err)
		}
	}
	if err := b.Send(); err != nil {
		return 0, 0, s.wrapQueryError("insert records", err)
	}
	return len(fresh), len(pm.inference) - len(fresh), nil
}

// insertActuals appends the batch's late actuals; they count as attached
// when their inference is stored, pending otherwise (the join at query time
// attaches them once it arrives).
func (s *Store) insertActuals(ctx context.Context, pm *planModel, now time.Time) (attached, pending int, err error) {
	m := pm.m
	ids := make([]string, len(pm.actuals))
	for i, r := range pm.actuals {
		ids[i] = r.ID
	}
	stored, err := s.storedIDs(ctx, m, ids)
	if err != nil {
		return 0, 0, err
	}
	b, err := s.conn.PrepareBatch(s.insertCtx(ctx), fmt.Sprintf(
		"INSERT INTO %s.%s (id, idh, actual_label, actual_value, actual_ms, seq)", s.db, m.actuals()))
	if err != nil {
		return 0, 0, s.wrapQueryError("insert actuals", err)
	}
	seq := nextSeq()
	for _, r := range pm.actuals {
		at := r.ActualTime
		if at.IsZero() {
			at = now
		}
		if err := b.Append(r.ID, idHash(r.ID), optString(r.Actual.Label, r.Actual.HasLabel),
			optFloat(r.Actual.Value, r.Actual.HasValue), at.UnixMilli(), seq); err != nil {
			_ = b.Abort()
			return 0, 0, fmt.Errorf("insert actuals: record %q: %w", r.ID, err)
		}
	}
	if err := b.Send(); err != nil {
		return 0, 0, s.wrapQueryError("insert actuals", err)
	}
	return len(stored), len(pm.actuals) - len(stored), nil
}

// isDuplicateColumn is ClickHouse's "column already exists" (code 44).
func isDuplicateColumn(err error) bool {
	var ex *ch.Exception
	return errors.As(err, &ex) && ex.Code == 44
}
