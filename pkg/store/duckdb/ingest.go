package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

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

// insertInferences appends the records to a staging table with DuckDB's
// appender, then moves the ones whose id is new (first occurrence wins) into
// the model's table. Pending actuals for the new ids are attached.
func (s *Store) insertInferences(ctx context.Context, conn *sql.Conn, m *modelEntry, recs []*store.Record) (added, dups int, err error) {
	schema := m.schema()
	colIndex := map[string]int{}
	for i, f := range schema.Features {
		colIndex["f:"+f.Name] = len(baseColumns) + i
	}
	for i, f := range schema.Tags {
		colIndex["t:"+f.Name] = len(baseColumns) + len(schema.Features) + i
	}
	cols := m.tableColumns()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(
		"CREATE OR REPLACE TEMP TABLE vigil_stage AS SELECT *, 0::BIGINT AS seq FROM %s LIMIT 0", m.table())); err != nil {
		return 0, 0, fmt.Errorf("create staging table: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "vigil_stage")
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
		row := make([]driver.Value, len(cols)+1)
		for seq, r := range recs {
			fillRow(row, r, colIndex)
			row[len(cols)] = int64(seq)
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
	if err != nil {
		return 0, 0, err
	}
	colList := strings.Join(cols, ", ")
	result, err := conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %[1]s (%[2]s)
		SELECT %[2]s FROM (
			SELECT * FROM vigil_stage s WHERE NOT EXISTS (SELECT 1 FROM %[1]s t WHERE t.id = s.id)
			QUALIFY row_number() OVER (PARTITION BY s.id ORDER BY s.seq) = 1)`, m.table(), colList))
	if err != nil {
		return 0, 0, fmt.Errorf("insert inferences: %w", err)
	}
	n, err := result.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("insert inferences: %w", err)
	}
	added = int(n)
	dups = len(recs) - added

	var pending int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM vigil_pending_actuals WHERE model_key = ?`, m.key).Scan(&pending); err != nil {
		return 0, 0, fmt.Errorf("look up pending actuals: %w", err)
	}
	if pending > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`UPDATE %s AS t SET actual_label = p.actual_label, actual_value = p.actual_value, actual_ms = p.actual_ms
			FROM (SELECT * FROM vigil_pending_actuals WHERE model_key = ? AND id IN (SELECT id FROM vigil_stage)) p
			WHERE t.id = p.id`, m.table()), m.key); err != nil {
			return 0, 0, fmt.Errorf("attach pending actuals: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM vigil_pending_actuals WHERE model_key = ? AND id IN (SELECT id FROM vigil_stage)`, m.key); err != nil {
			return 0, 0, fmt.Errorf("clear pending actuals: %w", err)
		}
	}
	return added, dups, nil
}

func fillRow(row []driver.Value, r *store.Record, colIndex map[string]int) {
	for i := range row {
		row[i] = nil
	}
	row[0], row[1], row[2], row[3] = r.ID, r.Version, r.Environment, r.Time.UnixMilli()
	if r.Prediction.HasLabel {
		row[4] = r.Prediction.Label
	}
	if r.Prediction.HasScore {
		row[5] = r.Prediction.Score
	}
	if r.Prediction.HasValue {
		row[6] = r.Prediction.Value
	}
	if !r.Actual.IsZero() {
		if r.Actual.HasLabel {
			row[7] = r.Actual.Label
		}
		if r.Actual.HasValue {
			row[8] = r.Actual.Value
		}
		at := r.ActualTime
		if at.IsZero() {
			at = r.Time
		}
		row[9] = at.UnixMilli()
	}
	if r.Text != "" {
		row[10] = r.Text
	}
	if len(r.Embedding) > 0 {
		row[11] = r.Embedding
	}
	for _, f := range r.Features {
		switch f.Value.Kind {
		case store.Numeric:
			row[colIndex["f:"+f.Name]] = f.Value.Num
		case store.Categorical:
			row[colIndex["f:"+f.Name]] = f.Value.Str
		}
	}
	for _, t := range r.Tags {
		if t.Set {
			row[colIndex["t:"+t.Name]] = t.Value
		}
	}
}

// attachActuals sets the ground truth of stored inferences; actuals whose
// inference has not arrived yet wait in vigil_pending_actuals.
func (s *Store) attachActuals(ctx context.Context, conn *sql.Conn, m *modelEntry, recs []*store.Record, now time.Time) (attached, pending int, err error) {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE vigil_stage_actuals (
		id VARCHAR, actual_label VARCHAR, actual_value DOUBLE, actual_ms BIGINT, seq BIGINT)`); err != nil {
		return 0, 0, fmt.Errorf("create staging table: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "vigil_stage_actuals")
		if err != nil {
			return fmt.Errorf("open appender: %w", err)
		}
		for seq, r := range recs {
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
			if err := app.AppendRow(r.ID, label, value, at.UnixMilli(), int64(seq)); err != nil {
				_ = app.Close()
				return &store.RecordError{Line: r.Line, Msg: fmt.Sprintf("record %q: %v", r.ID, err)}
			}
		}
		return app.Close()
	})
	if err != nil {
		return 0, 0, err
	}
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE vigil_acts AS SELECT id, actual_label, actual_value, actual_ms FROM vigil_stage_actuals
			QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq DESC) = 1`,
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("stage actuals: %w", err)
		}
	}
	result, err := conn.ExecContext(ctx, fmt.Sprintf(`UPDATE %s AS t SET actual_label = a.actual_label, actual_value = a.actual_value, actual_ms = a.actual_ms
		FROM vigil_acts a WHERE t.id = a.id`, m.table()))
	if err != nil {
		return 0, 0, fmt.Errorf("attach actuals: %w", err)
	}
	n, err := result.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("attach actuals: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM vigil_pending_actuals WHERE model_key = ? AND id IN (SELECT id FROM vigil_acts)`, m.key); err != nil {
		return 0, 0, fmt.Errorf("replace pending actuals: %w", err)
	}
	result, err = conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO vigil_pending_actuals
		SELECT ?, a.id, a.actual_label, a.actual_value, a.actual_ms FROM vigil_acts a
		WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE t.id = a.id)`, m.table()), m.key)
	if err != nil {
		return 0, 0, fmt.Errorf("keep pending actuals: %w", err)
	}
	pn, err := result.RowsAffected()
	if err != nil {
		return 0, 0, fmt.Errorf("keep pending actuals: %w", err)
	}
	return int(n), int(pn), nil
}
