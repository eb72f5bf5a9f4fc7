package clickhouse

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// modelEntry is the cached catalog entry of one model.
type modelEntry struct {
	key          int
	name         string
	embeddingDim int
	features     map[string]store.FieldInfo
	tags         map[string]store.FieldInfo
}

// table is the model's inference table as queries read it (Distributed in a cluster).
func (m *modelEntry) table() string { return fmt.Sprintf("inf_%d", m.key) }

// actuals is the model's table of late actuals as queries read it.
func (m *modelEntry) actuals() string { return fmt.Sprintf("act_%d", m.key) }

func fieldColumn(f store.FieldInfo) string { return sqlbuild.FieldColumn(f) }

func (m *modelEntry) clone() *modelEntry {
	c := *m
	c.features = sqlbuild.CloneFields(m.features)
	c.tags = sqlbuild.CloneFields(m.tags)
	return &c
}

func (m *modelEntry) schema() *store.ModelSchema {
	return sqlbuild.Schema(m.name, m.embeddingDim, m.features, m.tags)
}

func parseKind(s string) store.Kind { return sqlbuild.ParseKind(s) }

// loadCatalog reads the catalog (the latest row of each model wins).
func (s *Store) loadCatalog(ctx context.Context) error {
	rows, err := s.conn.Query(ctx, fmt.Sprintf(`SELECT model_key, argMax(name, seq), argMax(embedding_dim, seq)
		FROM %s.vigil_models GROUP BY model_key`, s.db))
	if err != nil {
		return fmt.Errorf("read model catalog: %w", err)
	}
	cat := map[string]*modelEntry{}
	byKey := map[int]*modelEntry{}
	for rows.Next() {
		var key, dim uint32
		var name string
		if err := rows.Scan(&key, &name, &dim); err != nil {
			rows.Close()
			return fmt.Errorf("read model catalog: %w", err)
		}
		m := &modelEntry{key: int(key), name: name, embeddingDim: int(dim),
			features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
		cat[name] = m
		byKey[m.key] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read model catalog: %w", err)
	}
	frows, err := s.conn.Query(ctx, fmt.Sprintf(`SELECT model_key, kind, name, idx, dtype FROM %s.vigil_fields`, s.db))
	if err != nil {
		return fmt.Errorf("read field catalog: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var key, idx uint32
		var kind, name, dtype string
		if err := frows.Scan(&key, &kind, &name, &idx, &dtype); err != nil {
			return fmt.Errorf("read field catalog: %w", err)
		}
		m := byKey[int(key)]
		if m == nil {
			continue
		}
		f := store.FieldInfo{Kind: store.FieldKind(kind), Name: name, Type: parseKind(dtype), Index: int(idx)}
		if f.Kind == store.FieldTag {
			m.tags[name] = f
		} else {
			m.features[name] = f
		}
	}
	if err := frows.Err(); err != nil {
		return fmt.Errorf("read field catalog: %w", err)
	}
	s.catMu.Lock()
	s.catalog = cat
	s.catMu.Unlock()
	return nil
}

// model returns a model's catalog entry, reading the catalog again when the
// model is not known yet (another process may have added it).
func (s *Store) model(ctx context.Context, name string) (*modelEntry, error) {
	s.catMu.RLock()
	m := s.catalog[name]
	s.catMu.RUnlock()
	if m != nil {
		return m, nil
	}
	if err := s.loadCatalog(ctx); err != nil {
		return nil, err
	}
	s.catMu.RLock()
	m = s.catalog[name]
	s.catMu.RUnlock()
	if m == nil {
		return nil, fmt.Errorf("model %q: %w", name, store.ErrUnknownModel)
	}
	return m, nil
}

// Schema describes one model's fields.
func (s *Store) Schema(ctx context.Context, model string) (*store.ModelSchema, error) {
	m, err := s.model(ctx, model)
	if err != nil {
		return nil, err
	}
	return m.schema(), nil
}

// SetVersionStatus records a version's lifecycle status (the latest row wins).
func (s *Store) SetVersionStatus(ctx context.Context, model, version string, status store.Status, at time.Time) error {
	if _, ok := store.ParseStatus(string(status)); !ok {
		return fmt.Errorf("status %q: must be one of shadow, canary, active, deprecated", status)
	}
	if version == "" {
		return fmt.Errorf("version: must not be empty")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	m, err := s.model(ctx, model)
	if err != nil {
		return err
	}
	if err := s.insertCatalog(ctx, "vigil_versions", "model_key, version, status, status_ms, seq",
		[][]any{{uint32(m.key), version, string(status), at.UnixMilli(), nextSeq()}}); err != nil {
		return fmt.Errorf("set status of %s %s: %w", model, version, err)
	}
	return nil
}

// Models lists every model with its versions per environment.
func (s *Store) Models(ctx context.Context) ([]store.ModelInfo, error) {
	if err := s.loadCatalog(ctx); err != nil {
		return nil, err
	}
	s.catMu.RLock()
	entries := make([]*modelEntry, 0, len(s.catalog))
	for _, m := range s.catalog {
		entries = append(entries, m)
	}
	s.catMu.RUnlock()
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	statuses, err := s.versionStatuses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.ModelInfo, 0, len(entries))
	for _, m := range entries {
		info := store.ModelInfo{Name: m.name, EmbeddingDim: m.embeddingDim, Features: m.schema().Features}
		q := &query{}
		q.write("SELECT version, environment, count(), count(", m.actualMS(q), "), min(ts), max(ts) FROM ")
		s.from(q, m)
		q.write(" GROUP BY version, environment ORDER BY version, environment")
		rows, err := s.conn.Query(s.queryCtx(ctx, nil), q.text(), q.args...)
		if err != nil {
			return nil, s.wrapQueryError("list versions of "+m.name, err)
		}
		seen := map[string]bool{}
		for rows.Next() {
			var v store.VersionInfo
			var n, acts uint64
			var first, last int64
			if err := rows.Scan(&v.Version, &v.Environment, &n, &acts, &first, &last); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list versions of %s: %w", m.name, err)
			}
			v.Records, v.Actuals = int64(n), int64(acts)
			v.FirstSeen, v.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
			if st, ok := statuses[m.key][v.Version]; ok {
				v.Status, v.StatusSetAt = st.status, st.at
			}
			seen[v.Version] = true
			info.Versions = append(info.Versions, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.wrapQueryError("list versions of "+m.name, err)
		}
		for ver, st := range statuses[m.key] {
			if !seen[ver] {
				info.Versions = append(info.Versions, store.VersionInfo{Version: ver, Status: st.status, StatusSetAt: st.at})
			}
		}
		sort.SliceStable(info.Versions, func(i, j int) bool { return info.Versions[i].Version < info.Versions[j].Version })
		out = append(out, info)
	}
	return out, nil
}

type versionStatus struct {
	status store.Status
	at     time.Time
}

func (s *Store) versionStatuses(ctx context.Context) (map[int]map[string]versionStatus, error) {
	rows, err := s.conn.Query(ctx, fmt.Sprintf(`SELECT model_key, version, argMax(status, seq), argMax(status_ms, seq)
		FROM %s.vigil_versions GROUP BY model_key, version`, s.db))
	if err != nil {
		return nil, fmt.Errorf("read version statuses: %w", err)
	}
	defer rows.Close()
	out := map[int]map[string]versionStatus{}
	for rows.Next() {
		var key uint32
		var ver, st string
		var ms int64
		if err := rows.Scan(&key, &ver, &st, &ms); err != nil {
			return nil, fmt.Errorf("read version statuses: %w", err)
		}
		if out[int(key)] == nil {
			out[int(key)] = map[string]versionStatus{}
		}
		out[int(key)][ver] = versionStatus{status: store.Status(st), at: time.UnixMilli(ms).UTC()}
	}
	return out, rows.Err()
}

var (
	seqMu   sync.Mutex
	lastSeq uint64
)

// nextSeq orders catalog rows and actuals: nanoseconds since the epoch,
// strictly increasing within the process.
func nextSeq() uint64 {
	seqMu.Lock()
	defer seqMu.Unlock()
	n := uint64(time.Now().UnixNano())
	if n <= lastSeq {
		n = lastSeq + 1
	}
	lastSeq = n
	return n
}
