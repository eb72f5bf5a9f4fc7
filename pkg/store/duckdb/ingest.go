package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zeebo/xxh3"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Limits of the catalog, to keep a model's table scannable.
const (
	maxFieldsPerModel = 2000
	maxEmbeddingDim   = 4096
)

// baseColumns are the fixed columns of every model table, in table order.
var baseColumns = []struct{ name, typ string }{
	{"id", "VARCHAR NOT NULL"},
	{"idh", "UBIGINT NOT NULL"},
	{"version", "VARCHAR NOT NULL"},
	{"environment", "VARCHAR NOT NULL"},
	{"ts", "BIGINT NOT NULL"},
	{"pred_label", "VARCHAR"},
	{"pred_score", "DOUBLE"},
	{"pred_value", "DOUBLE"},
	{"actual_label", "VARCHAR"},
	{"actual_value", "DOUBLE"},
	{"actual_ms", "BIGINT"},
	{"text", "VARCHAR"},
	{"embedding", "FLOAT[]"},
}

// ingestPlan is the catalog after a batch: the models and fields the batch adds
// and, per model, its inference and actual records.
type ingestPlan struct {
	models    map[string]*modelEntry
	newModels []*modelEntry
	newFields map[*modelEntry][]store.FieldInfo
	dimSet    map[*modelEntry]bool
	order     []*modelEntry
	inference map[*modelEntry][]*store.Record
	actuals   map[*modelEntry][]*store.Record
}

// plan checks a batch against the catalog without writing anything: a feature
// that changes kind or an embedding that changes dimension is an error naming
// the record's line and field.
func (s *Store) plan(batch []store.Record) (*ingestPlan, error) {
	p := &ingestPlan{
		models:    map[string]*modelEntry{},
		newFields: map[*modelEntry][]store.FieldInfo{},
		dimSet:    map[*modelEntry]bool{},
		inference: map[*modelEntry][]*store.Record{},
		actuals:   map[*modelEntry][]*store.Record{},
	}
	nextKey := 0
	s.catMu.RLock()
	for _, m := range s.catalog {
		if m.key > nextKey {
			nextKey = m.key
		}
	}
	s.catMu.RUnlock()

	for i := range batch {
		r := &batch[i]
		if err := checkRecord(r); err != nil {
			return nil, err
		}
		m := p.models[r.Model]
		if m == nil {
			if cur := s.model(r.Model); cur != nil {
				m = cur.clone()
			} else {
				nextKey++
				m = &modelEntry{key: nextKey, name: r.Model, features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
				p.newModels = append(p.newModels, m)
			}
			p.models[r.Model] = m
			p.order = append(p.order, m)
		}
		if r.ActualOnly {
			p.actuals[m] = append(p.actuals[m], r)
			continue
		}
		for _, f := range r.Features {
			if err := p.addField(m, store.FieldFeature, f.Name, f.Value.Kind, r.Line); err != nil {
				return nil, err
			}
		}
		for _, t := range r.Tags {
			if err := p.addField(m, store.FieldTag, t.Name, store.Categorical, r.Line); err != nil {
				return nil, err
			}
		}
		if n := len(r.Embedding); n > 0 {
			switch {
			case n > maxEmbeddingDim:
				return nil, &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf("%d dimensions is more than the limit of %d", n, maxEmbeddingDim)}
			case m.embeddingDim == 0:
				m.embeddingDim = n
				p.dimSet[m] = true
			case m.embeddingDim != n:
				return nil, &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf(
					"record %q has %d dimensions but model %q has %d", r.ID, n, m.name, m.embeddingDim)}
			}
		}
		p.inference[m] = append(p.inference[m], r)
	}
	return p, nil
}

func (p *ingestPlan) addField(m *modelEntry, kind store.FieldKind, name string, typ store.Kind, line int) error {
	fields := m.features
	if kind == store.FieldTag {
		fields = m.tags
	}
	if f, ok := fields[name]; ok {
		if typ != store.Missing && f.Type != store.Missing && typ != f.Type {
			return &store.RecordError{Line: line, Field: string(kind) + "s." + name, Msg: fmt.Sprintf(
				"%s %q of model %q is %s, but this record gives a %s value", kind, name, m.name, f.Type, typ)}
		}
		return nil
	}
	if typ == store.Missing {
		return nil // a feature seen only as null gets its column with its first value
	}
	if len(m.features)+len(m.tags) >= maxFieldsPerModel {
		return &store.RecordError{Line: line, Field: string(kind) + "s." + name, Msg: fmt.Sprintf(
			"model %q would have more than %d features and tags", m.name, maxFieldsPerModel)}
	}
	f := store.FieldInfo{Kind: kind, Name: name, Type: typ, Index: len(m.features) + len(m.tags) + 1}
	fields[name] = f
	p.newFields[m] = append(p.newFields[m], f)
	return nil
}

// checkRecord guards the store against records that skipped the ingest parser.
func checkRecord(r *store.Record) error {
	switch {
	case r.Model == "":
		return &store.RecordError{Line: r.Line, Field: "model", Msg: "is required"}
	case r.ID == "":
		return &store.RecordError{Line: r.Line, Field: "id", Msg: "is required"}
	case r.ActualOnly:
		if r.Actual.IsZero() {
			return &store.RecordError{Line: r.Line, Field: "actual", Msg: "is required in a record that carries only an actual"}
		}
		return nil
	case r.Version == "":
		return &store.RecordError{Line: r.Line, Field: "version", Msg: "is required"}
	case r.Environment == "":
		return &store.RecordError{Line: r.Line, Field: "environment", Msg: "is required"}
	case r.Time.IsZero():
		return &store.RecordError{Line: r.Line, Field: "timestamp", Msg: "is required"}
	}
	return nil
}

// Ingest stores one batch in a single transaction.
func (s *Store) Ingest(ctx context.Context, batch []store.Record, opts store.IngestOptions) (store.IngestResult, error) {
	var res store.IngestResult
	if s.readOnly {
		return res, errors.New("the store is open read-only")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	p, err := s.plan(batch)
	if err != nil {
		return res, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("ingest: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// A cancelled context must not keep the rollback from running.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	if opts.IdempotencyKey != "" {
		var n int
		err := conn.QueryRowContext(ctx, `SELECT count(*) FROM vigil_batches WHERE idempotency_key = ?`, opts.IdempotencyKey).Scan(&n)
		if err != nil {
			return res, fmt.Errorf("ingest: idempotency check: %w", err)
		}
		if n > 0 {
			res.Replayed = true
			return res, nil
		}
	}
	if err := s.applyCatalog(ctx, conn, p, opts.Now); err != nil {
		return res, err
	}
	for _, m := range p.order {
		if recs := p.inference[m]; len(recs) > 0 {
			added, dups, err := s.insertInferences(ctx, conn, m, recs)
			if err != nil {
				return res, fmt.Errorf("ingest model %q: %w", m.name, err)
			}
			res.Inferences += added
			res.Duplicates += dups
		}
		if recs := p.actuals[m]; len(recs) > 0 {
			attached, pending, err := s.attachActuals(ctx, conn, m, recs, opts.Now)
			if err != nil {
				return res, fmt.Errorf("ingest actuals of model %q: %w", m.name, err)
			}
			res.Actuals += attached
			res.PendingActuals += pending
		}
	}
	if opts.IdempotencyKey != "" {
		if _, err := conn.ExecContext(ctx, `INSERT INTO vigil_batches VALUES (?, ?, ?, ?)`,
			opts.IdempotencyKey, opts.Now.UnixMilli(), res.Inferences, res.Actuals); err != nil {
			return res, fmt.Errorf("ingest: record idempotency key: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("ingest: commit: %w", err)
	}
	committed = true
	s.catMu.Lock()
	for name, m := range p.models {
		s.catalog[name] = m
	}
	s.catMu.Unlock()
	return res, nil
}

func (s *Store) applyCatalog(ctx context.Context, conn *sql.Conn, p *ingestPlan, now time.Time) error {
	for _, m := range p.newModels {
		if _, err := conn.ExecContext(ctx, `INSERT INTO vigil_models VALUES (?, ?, 0, ?)`, m.key, m.name, now.UnixMilli()); err != nil {
			return fmt.Errorf("register model %q: %w", m.name, err)
		}
		cols := make([]string, len(baseColumns))
		for i, c := range baseColumns {
			cols[i] = c.name + " " + c.typ
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", m.table(), strings.Join(cols, ", "))); err != nil {
			return fmt.Errorf("create table of model %q: %w", m.name, err)
		}
	}
	for _, m := range p.order {
		for _, f := range p.newFields[m] {
			typ := "DOUBLE"
			if f.Type == store.Categorical {
				typ = "VARCHAR"
			}
			if _, err := conn.ExecContext(ctx, `INSERT INTO vigil_fields VALUES (?, ?, ?, ?, ?)`, m.key, string(f.Kind), f.Name, f.Index, f.Type.String()); err != nil {
				return fmt.Errorf("register %s %q of model %q: %w", f.Kind, f.Name, m.name, err)
			}
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", m.table(), fieldColumn(f), typ)); err != nil {
				return fmt.Errorf("add %s %q to model %q: %w", f.Kind, f.Name, m.name, err)
			}
		}
		if p.dimSet[m] {
			if _, err := conn.ExecContext(ctx, `UPDATE vigil_models SET embedding_dim = ? WHERE model_key = ?`, m.embeddingDim, m.key); err != nil {
				return fmt.Errorf("set embedding dimension of model %q: %w", m.name, err)
			}
		}
	}
	return nil
}

// tableColumns lists a model table's columns in table order.
func (m *modelEntry) tableColumns() []string {
	cols := make([]string, 0, len(baseColumns)+len(m.features)+len(m.tags))
	for _, c := range baseColumns {
		cols = append(cols, c.name)
	}
	for _, f := range m.schema().Features {
		cols = append(cols, fieldColumn(f))
	}
	for _, f := range m.schema().Tags {
		cols = append(cols, fieldColumn(f))
	}
	return cols
}

// idHash is the 64-bit hash of a record id kept beside it, so duplicate checks
// join on an integer column instead of comparing strings across the table.
func idHash(id string) uint64 { return xxh3.HashString(id) }

// insertInferences stores the records whose (model, id) is new. Duplicates
// inside the batch are dropped in Go (first occurrence wins); duplicates of
// stored records are found by probing the id-hash column with the batch's
// hashes (with an id filter, only those it says may be stored), then
// confirmed by comparing the ids. The new records are appended straight into
// the model's table with DuckDB's appender, and pending actuals for them are
// attached.
func (s *Store) insertInferences(ctx context.Context, conn *sql.Conn, m *modelEntry, recs []*store.Record) (added, dups int, err error) {
	seen := make(map[string]struct{}, len(recs))
	unique := recs[:0:0]
	for _, r := range recs {
		if _, dup := seen[r.ID]; dup {
			continue
		}
		seen[r.ID] = struct{}{}
		unique = append(unique, r)
	}
	hashes := make([]uint64, len(unique))
	for i, r := range unique {
		hashes[i] = idHash(r.ID)
	}
	filter, err := s.idFilterFor(ctx, conn, m, len(hashes))
	if err != nil {
		return 0, 0, err
	}
	probe := hashes
	if filter != nil {
		probe = filter.maybe(hashes)
	}
	var existing map[string]struct{}
	if len(probe) > 0 {
		if err := stageHashes(ctx, conn, probe); err != nil {
			return 0, 0, err
		}
		if existing, err = existingIDs(ctx, conn, m); err != nil {
			return 0, 0, err
		}
	}
	fresh, freshHashes := unique, hashes
	if len(existing) > 0 {
		fresh, freshHashes = make([]*store.Record, 0, len(unique)), make([]uint64, 0, len(unique))
		for i, r := range unique {
			if _, dup := existing[r.ID]; !dup {
				fresh, freshHashes = append(fresh, r), append(freshHashes, hashes[i])
			}
		}
	}
	if err := s.appendRecords(conn, m, fresh); err != nil {
		return 0, 0, err
	}
	if filter != nil {
		filter.add(freshHashes)
	}
	if err := s.attachPending(ctx, conn, m, freshHashes); err != nil {
		return 0, 0, err
	}
	return len(fresh), len(recs) - len(fresh), nil
}

// stageHashes loads id hashes into a temporary table.
func stageHashes(ctx context.Context, conn *sql.Conn, hashes []uint64) error {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE vigil_stage_ids (idh UBIGINT)`); err != nil {
		return fmt.Errorf("create id staging table: %w", err)
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "vigil_stage_ids")
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
		for _, h := range hashes {
			if err := app.AppendRow(h); err != nil {
				_ = app.Close()
				return fmt.Errorf("stage id hashes: %w", err)
			}
		}
		return app.Close()
	})
}

// existingIDs returns the stored ids whose hash is among the staged hashes:
// the batch's duplicates, plus any hash collisions (told apart by the caller).
func existingIDs(ctx context.Context, conn *sql.Conn, m *modelEntry) (map[string]struct{}, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(
		`SELECT t.id FROM %s t WHERE t.idh IN (SELECT idh FROM vigil_stage_ids)`, m.table()))
	if err != nil {
		return nil, fmt.Errorf("look up stored ids: %w", err)
	}
	defer rows.Close()
	out := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up stored ids: %w", err)
		}
		out[id] = struct{}{}
	}
	return out, rows.Err()
}

func (s *Store) appendRecords(conn *sql.Conn, m *modelEntry, recs []*store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	schema := m.schema()
	colIndex := columnIndex{features: map[string]int{}, tags: map[string]int{}}
	for i, f := range schema.Features {
		colIndex.features[f.Name] = len(baseColumns) + i
	}
	for i, f := range schema.Tags {
		colIndex.tags[f.Name] = len(baseColumns) + len(schema.Features) + i
	}
	cols := m.tableColumns()
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderWithColumns(dc.(driver.Conn), "", "", m.table(), cols)
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
		row := make([]driver.Value, len(cols))
		for _, r := range recs {
			fillRow(row, r, colIndex)
			if err := app.AppendRow(row...); err != nil {
				_ = app.Close()
				return &store.RecordError{Line: r.Line, Msg: fmt.Sprintf("record %q: %v", r.ID, err)}
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("flush appender: %w", err)
		}
		return nil
	})
}

// attachPending gives newly stored inferences (their id hashes) the actuals
// that arrived before them.
func (s *Store) attachPending(ctx context.Context, conn *sql.Conn, m *modelEntry, hashes []uint64) error {
	if len(hashes) == 0 {
		return nil
	}
	var pending int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM vigil_pending_actuals WHERE model_key = ?`, m.key).Scan(&pending); err != nil {
		return fmt.Errorf("look up pending actuals: %w", err)
	}
	if pending == 0 {
		return nil
	}
	if err := stageHashes(ctx, conn, hashes); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE vigil_acts AS
		SELECT id, idh, actual_label, actual_value, actual_ms FROM vigil_pending_actuals
		WHERE model_key = ? AND idh IN (SELECT idh FROM vigil_stage_ids)`, m.key); err != nil {
		return fmt.Errorf("stage pending actuals: %w", err)
	}
	if _, err := updateActuals(ctx, conn, m); err != nil {
		return fmt.Errorf("attach pending actuals: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DELETE FROM vigil_pending_actuals WHERE model_key = ?
		AND idh IN (SELECT idh FROM vigil_stage_ids)
		AND id IN (SELECT t.id FROM %s t WHERE t.idh IN (SELECT idh FROM vigil_acts))`, m.table()), m.key); err != nil {
		return fmt.Errorf("clear pending actuals: %w", err)
	}
	return nil
}

// updateActuals copies the actuals staged in vigil_acts onto the stored
// inferences with the same id and returns how many were updated.
func updateActuals(ctx context.Context, conn *sql.Conn, m *modelEntry) (int, error) {
	result, err := conn.ExecContext(ctx, fmt.Sprintf(`UPDATE %s AS t
		SET actual_label = a.actual_label, actual_value = a.actual_value, actual_ms = a.actual_ms
		FROM vigil_acts a WHERE t.idh = a.idh AND t.id = a.id`, m.table()))
	if err != nil {
		return 0, err
	}
	n, err := result.RowsAffected()
	return int(n), err
}

// Positions of the base columns in a model table row.
const (
	colID = iota
	colIDHash
	colVersion
	colEnvironment
	colTS
	colPredLabel
	colPredScore
	colPredValue
	colActualLabel
	colActualValue
	colActualMS
	colText
	colEmbedding
)

// columnIndex maps feature and tag names to their positions in a table row.
type columnIndex struct {
	features, tags map[string]int
}

func fillRow(row []driver.Value, r *store.Record, idx columnIndex) {
	for i := range row {
		row[i] = nil
	}
	row[colID], row[colIDHash] = r.ID, idHash(r.ID)
	row[colVersion], row[colEnvironment], row[colTS] = r.Version, r.Environment, r.Time.UnixMilli()
	if r.Prediction.HasLabel {
		row[colPredLabel] = r.Prediction.Label
	}
	if r.Prediction.HasScore {
		row[colPredScore] = r.Prediction.Score
	}
	if r.Prediction.HasValue {
		row[colPredValue] = r.Prediction.Value
	}
	if !r.Actual.IsZero() {
		if r.Actual.HasLabel {
			row[colActualLabel] = r.Actual.Label
		}
		if r.Actual.HasValue {
			row[colActualValue] = r.Actual.Value
		}
		at := r.ActualTime
		if at.IsZero() {
			at = r.Time
		}
		row[colActualMS] = at.UnixMilli()
	}
	if r.Text != "" {
		row[colText] = r.Text
	}
	if len(r.Embedding) > 0 {
		row[colEmbedding] = r.Embedding
	}
	for _, f := range r.Features {
		switch f.Value.Kind {
		case store.Numeric:
			row[idx.features[f.Name]] = f.Value.Num
		case store.Categorical:
			row[idx.features[f.Name]] = f.Value.Str
		}
	}
	for _, t := range r.Tags {
		if t.Set {
			row[idx.tags[t.Name]] = t.Value
		}
	}
}

// attachActuals sets the ground truth of stored inferences; actuals whose
// inference has not arrived yet wait in vigil_pending_actuals. The last actual
// of an id in the batch wins.
func (s *Store) attachActuals(ctx context.Context, conn *sql.Conn, m *modelEntry, recs []*store.Record, now time.Time) (attached, pending int, err error) {
	last := make(map[string]int, len(recs))
	for i, r := range recs {
		last[r.ID] = i
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE vigil_acts (
		id VARCHAR, idh UBIGINT, actual_label VARCHAR, actual_value DOUBLE, actual_ms BIGINT)`); err != nil {
		return 0, 0, fmt.Errorf("create staging table: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "vigil_acts")
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
		for i, r := range recs {
			if last[r.ID] != i {
				continue
			}
			var label, value driver.Value
			if r.Actual.HasLabel {
				label = r.Actual.Label
			}
			if r.Actual.HasValue {
				value = r.Actual.Value
			}
			at := r.ActualTime
			if at.IsZero() {
				at = now
			}
			if err := app.AppendRow(r.ID, idHash(r.ID), label, value, at.UnixMilli()); err != nil {
				_ = app.Close()
				return &store.RecordError{Line: r.Line, Msg: fmt.Sprintf("record %q: %v", r.ID, err)}
			}
		}
		return app.Close()
	})
	if err != nil {
		return 0, 0, err
	}
	attached, err = updateActuals(ctx, conn, m)
	if err != nil {
		return 0, 0, fmt.Errorf("attach actuals: %w", err)
	}
	if attached == len(last) {
		return attached, 0, nil
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM vigil_pending_actuals WHERE model_key = ? AND id IN (SELECT id FROM vigil_acts)`, m.key); err != nil {
		return 0, 0, fmt.Errorf("replace pending actuals: %w", err)
	}
	result, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO vigil_pending_actuals
		SELECT ?, a.id, a.idh, a.actual_label, a.actual_value, a.actual_ms FROM vigil_acts a
		WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE t.idh = a.idh AND t.id = a.id)`, m.table()), m.key)
	if err != nil {
		return 0, 0, fmt.Errorf("keep pending actuals: %w", err)
	}
	pn, err := result.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("keep pending actuals: %w", err)
	}
	return attached, int(pn), nil
}
