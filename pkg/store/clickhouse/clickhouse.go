// Package clickhouse is the scale-out inference store: ClickHouse over its
// native protocol, on a single server or a cluster of shards.
//
// Tables (all created when missing; identifiers come from the catalog's
// integer keys, never from names users chose):
//
//   - inf_N: one model's inferences, a column per feature and tag (f_I, t_I),
//     MergeTree partitioned by month of the inference time and ordered by
//     (version, environment, ts, idh), so a model/version/environment time
//     range reads only its own granules. New features and tags arrive with
//     ALTER TABLE … ADD COLUMN.
//   - act_N: the model's late actuals, appended as they come and joined at
//     query time (the latest per id wins, an actual-only record over the
//     inference's own): no mutation on the hot path.
//   - vigil_models, vigil_fields, vigil_versions, vigil_batches: the catalog,
//     version statuses and idempotency keys.
//
// With a cluster, inf_N and act_N are Distributed tables over inf_N_local
// and act_N_local on every shard, sharded by idh (the 64-bit hash of the
// record id), so a record, its actuals and its duplicate check live on one
// shard and the actuals join runs on each shard. Catalog tables are written
// to every shard; DDL runs ON CLUSTER when the servers have a ZooKeeper,
// else on every shard listed in system.clusters in turn; and every query
// reads all shards: a shard that is down fails the query with an error
// naming it, never a partial answer.
//
// (model, id) is never counted twice: a batch's ids are looked up before it
// is inserted and stored ones are left out, so a re-sent or retried batch adds
// nothing; inserts of one store are serialised, and a batch with an
// idempotency key that was already recorded is not written again.
package clickhouse

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Options say where the store lives.
type Options struct {
	// Addr is host:port of the native protocol (default port 9000, 9440 with TLS).
	Addr     string
	Database string
	User     string
	Password string
	// Cluster, when set, is the name of a cluster in the server's
	// remote_servers: tables are sharded over its shards.
	Cluster string
	// TLS connects with TLS; InsecureSkipVerify skips checking the server's certificate.
	TLS                bool
	InsecureSkipVerify bool
	// DialTimeout bounds connecting (default 5s).
	DialTimeout time.Duration
}

// ParseURL reads clickhouse://user:password@host:port/database?cluster=NAME&secure=true.
func ParseURL(raw string) (Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Options{}, fmt.Errorf("store URL: %w", err)
	}
	if u.Scheme != "clickhouse" {
		return Options{}, fmt.Errorf("store URL %q: the scheme must be clickhouse://", redact(u))
	}
	o := Options{Database: strings.Trim(u.Path, "/"), User: u.User.Username()}
	o.Password, _ = u.User.Password()
	q := u.Query()
	o.Cluster = q.Get("cluster")
	for _, k := range []string{"secure", "tls"} {
		if v := q.Get(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Options{}, fmt.Errorf("store URL: %s=%q: want true or false", k, v)
			}
			o.TLS = o.TLS || b
		}
	}
	if v := q.Get("skip_verify"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Options{}, fmt.Errorf("store URL: skip_verify=%q: want true or false", v)
		}
		o.InsecureSkipVerify = b
	}
	for k := range q {
		switch k {
		case "cluster", "secure", "tls", "skip_verify":
		default:
			return Options{}, fmt.Errorf("store URL: unknown parameter %q (known: cluster, secure, skip_verify)", k)
		}
	}
	host := u.Host
	if host == "" {
		return Options{}, fmt.Errorf("store URL %q: needs a host, e.g. clickhouse://localhost:9000/vigil", redact(u))
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		port := "9000"
		if o.TLS {
			port = "9440"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	o.Addr = host
	return o, nil
}

func redact(u *url.URL) string {
	c := *u
	if _, ok := c.User.Password(); ok {
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	return c.String()
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// shard is one shard of the cluster (or the single server).
type shard struct {
	num  int
	addr string
	conn driver.Conn
}

// Store is the ClickHouse implementation of store.Store.
type Store struct {
	opts   Options
	db     string // database name (validated identifier)
	conn   driver.Conn
	shards []*shard // every shard of the cluster; one (conn) without a cluster
	// onCluster is true when the cluster's servers share a ZooKeeper: DDL
	// then runs once, ON CLUSTER, through ClickHouse's distributed DDL queue.
	onCluster bool

	writeMu sync.Mutex
	catMu   sync.RWMutex
	catalog map[string]*modelEntry

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects, creates the database and the catalog tables when missing
// (on every shard) and reads the catalog.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Database == "" {
		opts.Database = "vigil"
	}
	if !identRE.MatchString(opts.Database) {
		return nil, fmt.Errorf("database %q: use letters, digits and underscores, starting with a letter", opts.Database)
	}
	if opts.Cluster != "" && !identRE.MatchString(opts.Cluster) {
		return nil, fmt.Errorf("cluster %q: use letters, digits and underscores, starting with a letter", opts.Cluster)
	}
	if opts.Addr == "" {
		opts.Addr = "localhost:9000"
	}
	conn, err := dial(opts, opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Store{opts: opts, db: opts.Database, conn: conn, catalog: map[string]*modelEntry{}}
	if err := conn.Ping(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("connect to ClickHouse at %s: %w", opts.Addr, err)
	}
	if opts.Cluster == "" {
		s.shards = []*shard{{num: 1, addr: opts.Addr, conn: conn}}
	} else if err := s.openShards(ctx); err != nil {
		_ = s.Close()
		return nil, err
	} else {
		s.onCluster = hasZooKeeper(ctx, conn)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.loadCatalog(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func dial(opts Options, addr string) (driver.Conn, error) {
	o := &ch.Options{
		Addr:        []string{addr},
		Auth:        ch.Auth{Database: "default", Username: opts.User, Password: opts.Password},
		DialTimeout: opts.DialTimeout,
		Protocol:    ch.Native,
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if opts.TLS {
		o.TLS = &tls.Config{InsecureSkipVerify: opts.InsecureSkipVerify} //nolint:gosec // the user's explicit choice
	}
	conn, err := ch.Open(o)
	if err != nil {
		return nil, fmt.Errorf("connect to ClickHouse at %s: %w", addr, err)
	}
	return conn, nil
}

// openShards reads the cluster's shards from system.clusters and connects to
// one replica of each, for DDL and catalog writes.
func (s *Store) openShards(ctx context.Context) error {
	rows, err := s.conn.Query(ctx, `SELECT shard_num, host_address, port FROM system.clusters
		WHERE cluster = ? AND replica_num = 1 ORDER BY shard_num`, s.opts.Cluster)
	if err != nil {
		return fmt.Errorf("read cluster %q: %w", s.opts.Cluster, err)
	}
	defer rows.Close()
	for rows.Next() {
		var num uint32
		var host string
		var port uint16
		if err := rows.Scan(&num, &host, &port); err != nil {
			return fmt.Errorf("read cluster %q: %w", s.opts.Cluster, err)
		}
		addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
		c, err := dial(s.opts, addr)
		if err != nil {
			return fmt.Errorf("shard %d of cluster %q: %w", num, s.opts.Cluster, err)
		}
		s.shards = append(s.shards, &shard{num: int(num), addr: addr, conn: c})
		if err := c.Ping(ctx); err != nil {
			return fmt.Errorf("shard %d (%s) of cluster %q is not reachable: %w", num, addr, s.opts.Cluster, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cluster %q: %w", s.opts.Cluster, err)
	}
	if len(s.shards) == 0 {
		return fmt.Errorf("cluster %q: not in the server's system.clusters (remote_servers of its configuration)", s.opts.Cluster)
	}
	return nil
}

// Close releases the connections; later calls do nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		for _, sh := range s.shards {
			if sh.conn != s.conn {
				if err := sh.conn.Close(); err != nil && s.closeErr == nil {
					s.closeErr = err
				}
			}
		}
		if err := s.conn.Close(); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// clustered says whether tables are sharded.
func (s *Store) clustered() bool { return s.opts.Cluster != "" }

// hasZooKeeper says whether the server has a ZooKeeper configured (the
// system.zookeeper table answers only then).
func hasZooKeeper(ctx context.Context, conn driver.Conn) bool {
	var n uint64
	return conn.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/'").Scan(&n) == nil
}

// OnCluster says whether DDL runs ON CLUSTER (the cluster has ZooKeeper)
// rather than on each shard in turn.
func (s *Store) OnCluster() bool { return s.onCluster }

// ddlObject is the object a DDL statement creates or alters, after which
// ON CLUSTER goes.
var ddlObject = regexp.MustCompile(`^(CREATE DATABASE IF NOT EXISTS \{db\}|CREATE TABLE IF NOT EXISTS \{db\}\.\w+|ALTER TABLE \{db\}\.\w+)`)

// ddl runs a statement on every shard (once without a cluster): ON CLUSTER
// when the cluster has ZooKeeper, so ClickHouse runs it on every server
// (and on a server that is down when it comes back), else on each shard
// listed in system.clusters in turn. {db} stands for the database.
func (s *Store) ddl(ctx context.Context, stmt string) error {
	if s.onCluster {
		loc := ddlObject.FindStringIndex(stmt)
		if loc == nil {
			return fmt.Errorf("no object to run ON CLUSTER in %.60q", stmt)
		}
		stmt = stmt[:loc[1]] + " ON CLUSTER " + s.opts.Cluster + stmt[loc[1]:]
		stmt = strings.ReplaceAll(stmt, "{db}", s.db)
		if err := s.conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("cluster %q (ON CLUSTER): %w", s.opts.Cluster, err)
		}
		return nil
	}
	stmt = strings.ReplaceAll(stmt, "{db}", s.db)
	for _, sh := range s.shards {
		if err := sh.conn.Exec(ctx, stmt); err != nil {
			return s.shardError(sh, err)
		}
	}
	return nil
}

func (s *Store) shardError(sh *shard, err error) error {
	if s.clustered() {
		return fmt.Errorf("shard %d (%s) of cluster %q: %w", sh.num, sh.addr, s.opts.Cluster, err)
	}
	return err
}

// catalogTables are created on every shard; the catalog is small and
// written to each, so any node answers it.
var catalogTables = []string{
	`CREATE TABLE IF NOT EXISTS {db}.vigil_models (model_key UInt32, name String, embedding_dim UInt32,
		created_ms Int64, seq UInt64) ENGINE = MergeTree ORDER BY (model_key, seq)`,
	`CREATE TABLE IF NOT EXISTS {db}.vigil_fields (model_key UInt32, kind String, name String, idx UInt32,
		dtype String) ENGINE = MergeTree ORDER BY (model_key, idx)`,
	`CREATE TABLE IF NOT EXISTS {db}.vigil_versions (model_key UInt32, version String, status String,
		status_ms Int64, seq UInt64) ENGINE = MergeTree ORDER BY (model_key, version, seq)`,
	`CREATE TABLE IF NOT EXISTS {db}.vigil_batches (idempotency_key String, ingested_ms Int64,
		inferences Int64, actuals Int64) ENGINE = MergeTree ORDER BY idempotency_key`,
}

func (s *Store) migrate(ctx context.Context) error {
	if err := s.ddl(ctx, "CREATE DATABASE IF NOT EXISTS {db}"); err != nil {
		return fmt.Errorf("create database %s: %w", s.db, err)
	}
	for _, t := range catalogTables {
		if err := s.ddl(ctx, t); err != nil {
			return fmt.Errorf("create catalog tables: %w", err)
		}
	}
	return nil
}

// insertCatalog writes catalog rows on every shard.
func (s *Store) insertCatalog(ctx context.Context, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for _, sh := range s.shards {
		b, err := sh.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s)", s.db, table, cols))
		if err != nil {
			return s.shardError(sh, err)
		}
		for _, r := range rows {
			if err := b.Append(r...); err != nil {
				_ = b.Abort()
				return s.shardError(sh, err)
			}
		}
		if err := b.Send(); err != nil {
			return s.shardError(sh, err)
		}
	}
	return nil
}

// queryCtx adds the settings every read runs with.
func (s *Store) queryCtx(ctx context.Context, extra map[string]any) context.Context {
	settings := ch.Settings{}
	for k, v := range extra {
		settings[k] = v
	}
	return ch.Context(ctx, ch.WithSettings(settings))
}

// wrapQueryError names the shard a failed distributed query could not reach.
func (s *Store) wrapQueryError(what string, err error) error {
	if err == nil {
		return nil
	}
	if s.clustered() {
		var ex *ch.Exception
		msg := err.Error()
		if errors.As(err, &ex) {
			msg = ex.Message
		}
		for _, sh := range s.shards {
			if strings.Contains(msg, sh.addr) {
				return fmt.Errorf("%s: %w: shard %d (%s) of cluster %q is unreachable, so no partial answer is given: %v",
					what, ErrShardDown, sh.num, sh.addr, s.opts.Cluster, err)
			}
		}
		if ex != nil && (ex.Code == 279 || ex.Code == 210) {
			return fmt.Errorf("%s: %w: a shard of cluster %q is unreachable, so no partial answer is given: %v", what, ErrShardDown, s.opts.Cluster, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ErrShardDown is a query that could not read every shard of the cluster.
var ErrShardDown = errors.New("shard down")

// Describe names the server, its version, the database and the shards, for
// the datasource's health check; it reads every shard's version, so a shard
// that is down fails it.
func (s *Store) Describe(ctx context.Context) (string, error) {
	var versions []string
	for _, sh := range s.shards {
		var v string
		if err := sh.conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
			return "", s.wrapQueryError("read the server version", s.shardError(sh, err))
		}
		versions = append(versions, v)
	}
	if !s.clustered() {
		return fmt.Sprintf("ClickHouse %s at %s, database %s", versions[0], s.opts.Addr, s.db), nil
	}
	return fmt.Sprintf("ClickHouse %s at %s, database %s, cluster %s of %d shards", strings.Join(uniq(versions), "/"),
		s.opts.Addr, s.db, s.opts.Cluster, len(s.shards)), nil
}

func uniq(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
