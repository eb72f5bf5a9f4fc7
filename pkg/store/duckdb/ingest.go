package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// Limits of the catalog, to keep a model's table scannable.
const (
	maxFieldsPerModel = store.MaxFieldsPerModel
	maxEmbeddingDim   = store.MaxEmbeddingDim
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
	// DuckDB's float compression (ALP-RD) takes longer on embeddings than
	// anything else in a table, and its segments of them come out larger than
	// the plain floats: on the demo's 384-dimension embeddings, 36% more blocks,
	// and copying the table took 13.6 s on one thread against 6.9 s plain.
	{"embedding", "FLOAT[] USING COMPRESSION uncompressed"},
}

// ingestPlan is the catalog after a batch: the models and fields the batch
// adds and, per model of the batch, its catalog entry.
type ingestPlan struct {
	models    map[string]*modelEntry
	newModels []*modelEntry
	newFields map[*modelEntry][]store.FieldInfo
	dimSet    map[*modelEntry]bool
	entries   []*modelEntry // parallel to Prepared.models
}

// plan checks a prepared batch against the catalog without writing anything.
// A field that changes kind, or an embedding that changes dimension, is an
// error naming the first record at fault; so is a record-level error of the
// batch, whichever comes first. pending holds the catalog entries that earlier
// batches of the same load changed, which take precedence over the store's.
func (s *Store) plan(p *Prepared, pending map[string]*modelEntry) (*ingestPlan, error) {
	pl := &ingestPlan{
		models:    map[string]*modelEntry{},
		newFields: map[*modelEntry][]store.FieldInfo{},
		dimSet:    map[*modelEntry]bool{},
	}
	var first *store.RecordError
	fail := func(e *store.RecordError) {
		if first == nil || e.Line < first.Line {
			first = e
		}
	}
	if p.recordErr != nil {
		fail(p.recordErr)
	}
	nextKey := 0
	s.catMu.RLock()
	for _, m := range s.catalog {
		nextKey = max(nextKey, m.key)
	}
	s.catMu.RUnlock()
	for _, m := range pending {
		nextKey = max(nextKey, m.key)
	}

	for _, pm := range p.models {
		m := pending[pm.name]
		if m == nil {
			m = s.model(pm.name)
		}
		if m != nil {
			m = m.clone()
		} else {
			nextKey++
			m = &modelEntry{key: nextKey, name: pm.name, features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
			pl.newModels = append(pl.newModels, m)
		}
		pl.models[pm.name] = m
		pl.entries = append(pl.entries, m)
		for i := range pm.fields {
			bf := &pm.fields[i]
			fields := m.features
			if bf.kind == store.FieldTag {
				fields = m.tags
			}
			typ := bf.typ()
			if f, ok := fields[bf.name]; ok && f.Type != store.Missing {
				typ = f.Type
			}
			// The first value of the other kind is the record at fault.
			other := store.Numeric
			if typ == store.Numeric {
				other = store.Categorical
			}
			if line := bf.lineOf(other); typ != store.Missing && line > 0 {
				fail(&store.RecordError{Line: line, Field: string(bf.kind) + "s." + bf.name, Msg: fmt.Sprintf(
					"%s %q of model %q is %s, but this record gives a %s value", bf.kind, bf.name, m.name, typ, other)})
				continue
			}
			if _, ok := fields[bf.name]; ok || typ == store.Missing {
				continue // a field seen only as null gets its column with its first value
			}
			if len(m.features)+len(m.tags) >= maxFieldsPerModel {
				fail(&store.RecordError{Line: bf.lineOf(typ), Field: string(bf.kind) + "s." + bf.name, Msg: fmt.Sprintf(
					"model %q would have more than %d features and tags", m.name, maxFieldsPerModel)})
				continue
			}
			f := store.FieldInfo{Kind: bf.kind, Name: bf.name, Type: typ, Index: len(m.features) + len(m.tags) + 1}
			fields[bf.name] = f
			pl.newFields[m] = append(pl.newFields[m], f)
		}
		switch {
		case pm.embeddingDim == 0:
		case m.embeddingDim == 0:
			m.embeddingDim = pm.embeddingDim
			pl.dimSet[m] = true
		case m.embeddingDim != pm.embeddingDim:
			fail(&store.RecordError{Line: pm.embeddingLine, Field: "embedding", Msg: fmt.Sprintf(
				"record %q has %d dimensions but model %q has %d", pm.embeddingID, pm.embeddingDim, m.name, m.embeddingDim)})
		}
	}
	if first != nil {
		return nil, first
	}
	return pl, nil
}

// Ingest stores one batch in a single transaction.
func (s *Store) Ingest(ctx context.Context, batch []store.Record, opts store.IngestOptions) (store.IngestResult, error) {
	p := s.Prepare(batch, opts)
	defer p.Release()
	return s.IngestPrepared(ctx, p)
}

// IngestPrepared stores a prepared batch in a single transaction.
func (s *Store) IngestPrepared(ctx context.Context, p *Prepared) (store.IngestResult, error) {
	l, err := s.BeginLoad(ctx)
	if err != nil {
		return store.IngestResult{}, err
	}
	res, err := l.Add(ctx, p)
	if err != nil {
		return res, err // Add ended the load
	}
	return res, l.Commit(ctx)
}

// A Load stores prepared batches in one transaction: Add checks and writes
// each batch as IngestPrepared does, and Commit makes them visible and
// durable together. A batch that fails rolls the whole load back, the
// batches added before it included. Until the load ends (Commit, Rollback or
// a failed Add), the store takes no other write, and Close waits for it.
//
// A bulk load gains from loads of several batches: once a transaction adds a
// row group (122,880 rows) to a table, DuckDB writes the table's new rows into
// the file as compressed row groups at once, instead of moving them from the
// transaction's own storage into the table at commit, logging them in the
// write-ahead log and compressing them again at the next checkpoint.
type Load struct {
	s    *Store
	conn *sql.Conn
	// models are the catalog entries the load's batches changed, installed
	// in the store's catalog when the load commits.
	models map[string]*modelEntry
	// filtered are the models whose id filters saw the load's ids: a
	// rollback drops those filters, which may hold ids no longer stored.
	filtered map[int]bool
	ended    bool
}

var errLoadEnded = errors.New("ingest: the load has ended")

// BeginLoad starts a load (see Load).
func (s *Store) BeginLoad(ctx context.Context) (*Load, error) {
	if s.readOnly {
		return nil, errors.New("the store is open read-only")
	}
	s.writeMu.Lock()
	return &Load{s: s, models: map[string]*modelEntry{}, filtered: map[int]bool{}}, nil
}

// begin opens the load's transaction, once the first batch is checked: a
// batch the catalog rejects does not touch the database.
func (l *Load) begin(ctx context.Context) error {
	if l.conn != nil {
		return nil
	}
	conn, err := l.s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		_ = conn.Close()
		return fmt.Errorf("ingest: begin: %w", err)
	}
	l.conn = conn
	return nil
}

// Add stores one prepared batch in the load's transaction. When it fails, it
// rolls the load back and ends it.
func (l *Load) Add(ctx context.Context, p *Prepared) (store.IngestResult, error) {
	if l.ended {
		return store.IngestResult{}, errLoadEnded
	}
	res, err := l.add(ctx, p)
	if err != nil {
		l.Rollback()
	}
	return res, err
}

func (l *Load) add(ctx context.Context, p *Prepared) (store.IngestResult, error) {
	var res store.IngestResult
	s := l.s
	pl, err := s.plan(p, l.models)
	if err != nil {
		return res, err
	}
	if err := l.begin(ctx); err != nil {
		return res, err
	}
	conn := l.conn
	if p.idempotencyKey != "" {
		var n int
		err := conn.QueryRowContext(ctx, `SELECT count(*) FROM vigil_batches WHERE idempotency_key = ?`, p.idempotencyKey).Scan(&n)
		if err != nil {
			return res, fmt.Errorf("ingest: idempotency check: %w", err)
		}
		if n > 0 {
			res.Replayed = true
			return res, nil
		}
	}
	if err := s.applyCatalog(ctx, conn, pl, p.now); err != nil {
		return res, err
	}
	for i, pm := range p.models {
		m := pl.entries[i]
		if pm.inference != nil {
			l.filtered[m.key] = true
			added, dups, err := s.insertInferences(ctx, conn, m, pm)
			if err != nil {
				return res, fmt.Errorf("ingest model %q: %w", m.name, err)
			}
			res.Inferences += added
			res.Duplicates += dups
		}
		res.Duplicates += pm.repeats
		if pm.actuals != nil {
			attached, pending, err := s.attachActuals(ctx, conn, m, pm)
			if err != nil {
				return res, fmt.Errorf("ingest actuals of model %q: %w", m.name, err)
			}
			res.Actuals += attached
			res.PendingActuals += pending
		}
	}
	if p.idempotencyKey != "" {
		if _, err := conn.ExecContext(ctx, `INSERT INTO vigil_batches VALUES (?, ?, ?, ?)`,
			p.idempotencyKey, p.now.UnixMilli(), res.Inferences, res.Actuals); err != nil {
			return res, fmt.Errorf("ingest: record idempotency key: %w", err)
		}
	}
	for name, m := range pl.models {
		l.models[name] = m
	}
	return res, nil
}

// Commit ends the load, making its batches visible and durable.
func (l *Load) Commit(ctx context.Context) error {
	if l.ended {
		return errLoadEnded
	}
	s := l.s
	if l.conn == nil { // no batch was added
		l.end()
		return nil
	}
	if _, err := l.conn.ExecContext(ctx, "COMMIT"); err != nil {
		l.Rollback()
		return fmt.Errorf("ingest: commit: %w", err)
	}
	s.catMu.Lock()
	for name, m := range l.models {
		s.catalog[name] = m
	}
	s.catMu.Unlock()
	// The load is committed to the write-ahead log whatever the checkpoint
	// does; one that fails is tried again after the next load, and Close
	// reports it if it keeps failing.
	_ = s.maybeCheckpoint(ctx)
	l.end()
	return nil
}

// Rollback ends the load, storing none of its batches. It does nothing once
// the load has ended.
func (l *Load) Rollback() {
	if l.ended {
		return
	}
	if l.conn != nil {
		// A cancelled context must not keep the rollback from running.
		_, _ = l.conn.ExecContext(context.Background(), "ROLLBACK")
	}
	for key := range l.filtered {
		l.s.dropIDFilter(key)
	}
	l.end()
}

func (l *Load) end() {
	l.ended = true
	if l.conn != nil {
		_ = l.conn.Close()
	}
	l.s.writeMu.Unlock()
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
	for _, m := range p.entries {
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

// insertInferences stores the prepared records whose (model, id) is new
// (repeats inside the batch were dropped when it was prepared). Duplicates of
// stored records are found by probing the id-hash column with the batch's
// hashes (with an id filter, only those it says may be stored), then
// confirmed by comparing the ids. The new records are copied into the model's
// table from their Arrow columns, and pending actuals for them are attached.
func (s *Store) insertInferences(ctx context.Context, conn *sql.Conn, m *modelEntry, pm *preparedModel) (added, dups int, err error) {
	hashes := pm.hashes
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
	cols := make([]string, 0, len(baseColumns)+len(pm.fields))
	for _, c := range baseColumns {
		cols = append(cols, c.name)
	}
	for _, bf := range pm.fields {
		if bf.column < 0 {
			continue
		}
		f, ok := m.features[bf.name]
		if bf.kind == store.FieldTag {
			f, ok = m.tags[bf.name]
		}
		if !ok {
			return 0, 0, fmt.Errorf("%s %q has no column", bf.kind, bf.name)
		}
		cols = append(cols, fieldColumn(f))
	}
	fresh := hashes
	from := arrowView
	if len(existing) > 0 {
		// Stored duplicates are few: they are left out by id.
		ids := pm.inference.Column(colID).(*array.String)
		fresh = make([]uint64, 0, len(hashes))
		var stored []string
		for i, h := range hashes {
			if _, dup := existing[ids.Value(i)]; dup {
				stored = append(stored, ids.Value(i))
			} else {
				fresh = append(fresh, h)
			}
		}
		if len(stored) > 0 {
			if err := stageColumn(ctx, conn, "vigil_stage_dups", "id", array.NewStringBuilder(memory.DefaultAllocator), stored); err != nil {
				return 0, 0, fmt.Errorf("stage duplicate ids: %w", err)
			}
			from = fmt.Sprintf("(SELECT * FROM %s WHERE id NOT IN (SELECT id FROM vigil_stage_dups))", arrowView)
		}
	}
	if len(fresh) > 0 {
		stmt := fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM %s", m.table(), strings.Join(cols, ", "), from)
		if err := execWithArrow(ctx, conn, pm.inference, stmt); err != nil {
			return 0, 0, fmt.Errorf("insert records: %w", err)
		}
	}
	if filter != nil {
		filter.add(fresh)
	}
	if err := s.attachPending(ctx, conn, m, fresh); err != nil {
		return 0, 0, err
	}
	return len(fresh), len(hashes) - len(fresh), nil
}

// stageHashes loads id hashes into the temporary table vigil_stage_ids.
func stageHashes(ctx context.Context, conn *sql.Conn, hashes []uint64) error {
	if err := stageColumn(ctx, conn, "vigil_stage_ids", "idh", array.NewUint64Builder(memory.DefaultAllocator), hashes); err != nil {
		return fmt.Errorf("stage id hashes: %w", err)
	}
	return nil
}

// valuesBuilder is an Arrow builder that appends a slice of values at once.
type valuesBuilder[T any] interface {
	array.Builder
	AppendValues(values []T, valid []bool)
}

// stageColumn (re)creates a temporary table holding one column of values,
// built with b (which it releases).
func stageColumn[T any](ctx context.Context, conn *sql.Conn, table, name string, b valuesBuilder[T], values []T) error {
	defer b.Release()
	b.AppendValues(values, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: name, Type: col.DataType()}}, nil), []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	return execWithArrow(ctx, conn, rec, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM %s", table, name, arrowView))
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
	out, err := sqlbuild.IDSet(rows)
	if err != nil {
		return nil, err
	}
	return out, rows.Err()
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

// attachActuals sets the ground truth of stored inferences; actuals whose
// inference has not arrived yet wait in vigil_pending_actuals. The last actual
// of an id in the batch wins (Prepare kept only that one).
func (s *Store) attachActuals(ctx context.Context, conn *sql.Conn, m *modelEntry, pm *preparedModel) (attached, pending int, err error) {
	if err := execWithArrow(ctx, conn, pm.actuals, "CREATE OR REPLACE TEMP TABLE vigil_acts AS SELECT * FROM "+arrowView); err != nil {
		return 0, 0, fmt.Errorf("stage actuals: %w", err)
	}
	attached, err = updateActuals(ctx, conn, m)
	if err != nil {
		return 0, 0, fmt.Errorf("attach actuals: %w", err)
	}
	if attached == pm.actualRecords {
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
