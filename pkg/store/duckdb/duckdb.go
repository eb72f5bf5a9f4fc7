// Package duckdb is the embedded inference store: one DuckDB file, one table per
// model with a column per feature and tag, so histograms scan only the columns
// they need.
package duckdb

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Options configure the embedded store.
type Options struct {
	// Path is the database file; "" or ":memory:" keeps everything in memory.
	Path string
	// ReadOnly opens the file without taking the writer lock.
	ReadOnly bool
	// Threads bounds DuckDB's worker threads (0: DuckDB's default; BulkLoad
	// sets its own).
	Threads int
	// MemoryLimit is DuckDB's memory limit, e.g. "1GB" ("" : DuckDB's default).
	MemoryLimit string
	// CheckpointThreshold is the write-ahead log size that triggers a
	// checkpoint, e.g. "512MB" ("": DuckDB's default of 16MB, or 2GB with
	// BulkLoad).
	CheckpointThreshold string
	// BulkLoad tunes the store for one process loading many batches: DuckDB
	// runs each statement on one thread (its other threads would only wait
	// for the core the loader prepares the next batch on), and the store
	// checkpoints with every core itself, once the write-ahead log is past
	// CheckpointThreshold after a batch, and when it is closed.
	BulkLoad bool
	// SkipWAL (with BulkLoad and a file Path) attaches the file in DuckDB's
	// recovery mode no_wal_writes: commits are not logged, so the rows a load
	// leaves in memory are written once, at the next checkpoint, instead of
	// also into the write-ahead log at every commit. The store checkpoints
	// once CheckpointThreshold of table data waits in memory (or spilled to
	// the temporary directory) and when it is closed. A crash loses what was
	// committed since the last checkpoint, so it suits loads that can simply
	// be run again (vigil demo: a re-run skips the ids already stored).
	SkipWAL bool
	// FilterIDs keeps a Bloom filter of each model's stored id hashes in
	// memory (4 bytes per stored inference, built on a model's first ingest),
	// so duplicate checks scan the table only for ids that may be stored:
	// for bulk loads, which trade that memory for speed.
	FilterIDs bool
}

// Store is the DuckDB implementation of store.Store.
type Store struct {
	db        *sql.DB
	connector *duckdb.Connector
	readOnly  bool

	// writeMu serialises writers: one ingest or catalog change at a time.
	writeMu sync.Mutex
	// catMu guards the catalog cache.
	catMu   sync.RWMutex
	catalog map[string]*modelEntry

	// bulk is Options.BulkLoad; walPath and checkpointBytes say when a bulk
	// load checkpoints (0: only when closed, e.g. in memory). With skipWAL
	// the measure is the table data waiting in memory, not the log's size.
	bulk            bool
	walPath         string
	skipWAL         bool
	checkpointBytes int64

	// filterIDs turns on idFilters, by model key (guarded by writeMu).
	filterIDs bool
	idFilters map[int]*idFilter

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("database file is locked by another process")

var lockHolder = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// Open opens (creating if needed) the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	bulk := opts.BulkLoad && !opts.ReadOnly
	var checkpointBytes int64
	if bulk {
		threshold := cmp.Or(opts.CheckpointThreshold, defaultBulkCheckpoint)
		n, err := parseBytes(threshold)
		if err != nil {
			return nil, fmt.Errorf("checkpoint threshold: %w", err)
		}
		checkpointBytes = n
		// DuckDB itself would checkpoint inside a commit, on one thread.
		opts.Threads, opts.CheckpointThreshold = 1, "1000TB"
	}
	onFile := opts.Path != "" && opts.Path != ":memory:"
	if opts.SkipWAL && (!bulk || !onFile) {
		return nil, errors.New("open store: SkipWAL needs BulkLoad and a database file")
	}
	dsn, init, err := connectString(opts)
	if err != nil {
		return nil, err
	}
	connector, err := duckdb.NewConnector(dsn, init)
	if err != nil {
		return nil, classifyOpenError(opts.Path, err)
	}
	db := sql.OpenDB(connector)
	s := &Store{db: db, connector: connector, readOnly: opts.ReadOnly, catalog: map[string]*modelEntry{},
		filterIDs: opts.FilterIDs, idFilters: map[int]*idFilter{}, bulk: bulk, skipWAL: opts.SkipWAL}
	if bulk && onFile {
		s.walPath, s.checkpointBytes = opts.Path+".wal", checkpointBytes
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, classifyOpenError(opts.Path, err)
	}
	if !opts.ReadOnly {
		if err := registerIDHash(ctx, db); err != nil {
			_ = db.Close()
			return nil, err
		}
		if err := s.migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	if err := s.loadCatalog(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// skipWALAlias names the database file attached without a write-ahead log.
const skipWALAlias = "vigil"

// connectString is the DSN for opts and the statements each new connection
// runs first. With SkipWAL the connections open an in-memory database and
// attach the file to it (the recovery mode is an option of ATTACH only).
func connectString(opts Options) (string, func(driver.ExecerContext) error, error) {
	dsn, err := buildDSN(opts)
	if err != nil || !opts.SkipWAL {
		return dsn, nil, err
	}
	attach := fmt.Sprintf("ATTACH IF NOT EXISTS %s AS %s (RECOVERY_MODE no_wal_writes)", sqlString(opts.Path), skipWALAlias)
	init := func(conn driver.ExecerContext) error {
		if _, err := conn.ExecContext(context.Background(), attach, nil); err != nil {
			return err
		}
		_, err := conn.ExecContext(context.Background(), "USE "+skipWALAlias, nil)
		return err
	}
	return dsn, init, nil
}

// buildDSN is the DSN of the database opts opens: with SkipWAL an in-memory
// one, which connectString attaches the file to.
func buildDSN(opts Options) (string, error) {
	path := opts.Path
	if path == ":memory:" {
		path = ""
	}
	if strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("database path %q: must not contain '?' or '#'", opts.Path)
	}
	q := url.Values{}
	if opts.SkipWAL {
		// DuckDB spills next to the file, as it does for a file opened directly.
		q.Set("temp_directory", path+".tmp")
		path = ""
	}
	if opts.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	if opts.Threads > 0 {
		q.Set("threads", fmt.Sprint(opts.Threads))
	}
	if opts.MemoryLimit != "" {
		q.Set("memory_limit", opts.MemoryLimit)
	}
	if opts.CheckpointThreshold != "" {
		q.Set("checkpoint_threshold", opts.CheckpointThreshold)
	}
	if len(q) == 0 {
		return path, nil
	}
	return path + "?" + q.Encode(), nil
}

func classifyOpenError(path string, err error) error {
	msg := err.Error()
	if m := lockHolder.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%w: %s is held by %s (PID %s); while that process runs, "+
			"ingest through it (vigil ingest --grafana URL --token T --datasource UID) or stop it first",
			ErrLocked, path, m[1], m[2])
	}
	if strings.Contains(msg, "Could not set lock") {
		return fmt.Errorf("%w: %s: %v", ErrLocked, path, err)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// Close releases the database (checkpointing it); later calls do nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.bulk {
			s.writeMu.Lock()
			s.closeErr = s.checkpoint(context.Background())
			s.writeMu.Unlock()
		}
		if err := s.db.Close(); s.closeErr == nil {
			s.closeErr = err
		}
		if cerr := s.connector.Close(); s.closeErr == nil {
			s.closeErr = cerr
		}
	})
	return s.closeErr
}

// defaultBulkCheckpoint is the write-ahead log size past which a bulk load
// checkpoints. Checkpoints rewrite the row groups that late actuals updated,
// so fewer are cheaper; memory is bounded by DuckDB's limit either way. On
// the 10M-inference demo (scripts/bench-ingest.sh 12) one checkpoint at 2GB
// and one at close took 59 s in all, checkpoints at 1.2GB 67 s, one at close
// only 84 s (it then reads most of the data back from disk).
const defaultBulkCheckpoint = "2GB"

// maybeCheckpoint checkpoints a bulk load once its write-ahead log is past
// the threshold. Callers hold writeMu.
func (s *Store) maybeCheckpoint(ctx context.Context) error {
	if s.checkpointBytes <= 0 {
		return nil
	}
	if s.skipWAL {
		waiting, err := s.uncheckpointedBytes(ctx)
		if err != nil || waiting < s.checkpointBytes {
			return err
		}
		return s.checkpoint(ctx)
	}
	fi, err := os.Stat(s.walPath)
	if err != nil || fi.Size() < s.checkpointBytes {
		return nil // no log yet, or a small one
	}
	return s.checkpoint(ctx)
}

// uncheckpointedBytes is the size of the table data DuckDB holds in memory or
// in its temporary files until a checkpoint writes it into the file (the
// temporary tables of the last batch included).
func (s *Store) uncheckpointedBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(memory_usage_bytes + temporary_storage_bytes), 0)::BIGINT
		FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("measure table data waiting for a checkpoint: %w", err)
	}
	return n, nil
}

// checkpoint writes the data of a bulk load into the database file with
// every core (compressing is the heavy part). Callers hold writeMu.
func (s *Store) checkpoint(ctx context.Context) error {
	err := s.withAllCores(ctx, func() error {
		_, err := s.db.ExecContext(ctx, "CHECKPOINT")
		return err
	})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// withAllCores runs fn with DuckDB on every core, and back on one thread
// after it when the store is tuned for bulk loads (Options.BulkLoad): for
// statements that do the heavy work themselves (a checkpoint, reading a
// file), rather than wait for rows prepared in Go. Callers hold writeMu.
func (s *Store) withAllCores(ctx context.Context, fn func() error) error {
	if !s.bulk {
		return fn()
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", runtime.NumCPU())); err != nil {
		return err
	}
	err := fn()
	if _, terr := s.db.ExecContext(context.WithoutCancel(ctx), "SET threads = 1"); err == nil && terr != nil {
		err = terr
	}
	return err
}

// parseBytes reads a size such as "2GB", "512MB" or "1000000" (bytes).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || !(n > 0) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%q: want a size such as 2GB or 512MB", s)
	}
	return int64(n * float64(mult)), nil
}

// DB exposes the connection pool to tests and benchmarks in this module.
func (s *Store) DB() *sql.DB { return s.db }

const schemaSQL = `
CREATE TABLE IF NOT EXISTS vigil_models (
	model_key INTEGER PRIMARY KEY,
	name VARCHAR NOT NULL UNIQUE,
	embedding_dim INTEGER NOT NULL DEFAULT 0,
	created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS vigil_fields (
	model_key INTEGER NOT NULL,
	kind VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	idx INTEGER NOT NULL,
	dtype VARCHAR NOT NULL,
	PRIMARY KEY (model_key, kind, name)
);
CREATE TABLE IF NOT EXISTS vigil_versions (
	model_key INTEGER NOT NULL,
	version VARCHAR NOT NULL,
	status VARCHAR NOT NULL,
	status_ms BIGINT NOT NULL,
	PRIMARY KEY (model_key, version)
);
CREATE TABLE IF NOT EXISTS vigil_pending_actuals (
	model_key INTEGER NOT NULL,
	id VARCHAR NOT NULL,
	idh UBIGINT NOT NULL,
	actual_label VARCHAR,
	actual_value DOUBLE,
	actual_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS vigil_batches (
	idempotency_key VARCHAR PRIMARY KEY,
	ingested_ms BIGINT NOT NULL,
	inferences BIGINT NOT NULL,
	actuals BIGINT NOT NULL
);
`

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("create catalog tables: %w", err)
	}
	// Earlier versions left the view of their last ingested batch in the
	// file (see arrowView), pointing at memory freed long ago.
	if _, err := s.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+arrowView); err != nil {
		return fmt.Errorf("drop a stale arrow view: %w", err)
	}
	return nil
}
