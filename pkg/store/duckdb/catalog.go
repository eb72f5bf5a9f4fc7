package duckdb

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// modelEntry is the cached catalog entry of one model. SQL identifiers are
// derived from its integer keys only, never from names users chose.
type modelEntry struct {
	key          int
	name         string
	embeddingDim int
	features     map[string]store.FieldInfo
	tags         map[string]store.FieldInfo
}

func (m *modelEntry) table() string { return fmt.Sprintf("inf_%d", m.key) }

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

func (s *Store) loadCatalog(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT model_key, name, embedding_dim FROM vigil_models`)
	if err != nil {
		if s.readOnly && isMissingTable(err) {
			return nil // an empty read-only file: no models yet
		}
		return fmt.Errorf("read model catalog: %w", err)
	}
	cat := map[string]*modelEntry{}
	byKey := map[int]*modelEntry{}
	for rows.Next() {
		m := &modelEntry{features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
		if err := rows.Scan(&m.key, &m.name, &m.embeddingDim); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read model catalog: %w", err)
		}
		cat[m.name] = m
		byKey[m.key] = m
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read model catalog: %w", err)
	}
	frows, err := s.db.QueryContext(ctx, `SELECT model_key, kind, name, idx, dtype FROM vigil_fields`)
	if err != nil {
		return fmt.Errorf("read field catalog: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var key, idx int
		var kind, name, dtype string
		if err := frows.Scan(&key, &kind, &name, &idx, &dtype); err != nil {
			return fmt.Errorf("read field catalog: %w", err)
		}
		m := byKey[key]
		if m == nil {
			continue
		}
		f := store.FieldInfo{Kind: store.FieldKind(kind), Name: name, Type: parseKind(dtype), Index: idx}
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

func (s *Store) model(name string) *modelEntry {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	return s.catalog[name]
}

// Schema describes one model's fields.
func (s *Store) Schema(_ context.Context, model string) (*store.ModelSchema, error) {
	m := s.model(model)
	if m == nil {
		return nil, fmt.Errorf("model %q: %w", model, store.ErrUnknownModel)
	}
	return m.schema(), nil
}

// SetVersionStatus records a version's lifecycle status.
func (s *Store) SetVersionStatus(ctx context.Context, model, version string, status store.Status, at time.Time) error {
	if _, ok := store.ParseStatus(string(status)); !ok {
		return fmt.Errorf("status %q: must be one of shadow, canary, active, deprecated", status)
	}
	if version == "" {
		return fmt.Errorf("version: must not be empty")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	m := s.model(model)
	if m == nil {
		return fmt.Errorf("model %q: %w", model, store.ErrUnknownModel)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO vigil_versions (model_key, version, status, status_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (model_key, version) DO UPDATE SET status = excluded.status, status_ms = excluded.status_ms`,
		m.key, version, string(status), at.UnixMilli())
	if err != nil {
		return fmt.Errorf("set status of %s %s: %w", model, version, err)
	}
	return nil
}

// Models lists every model with its versions per environment.
func (s *Store) Models(ctx context.Context) ([]store.ModelInfo, error) {
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
		q := fmt.Sprintf(`SELECT version, environment, count(*), count(actual_ms), min(ts), max(ts)
			FROM %s GROUP BY version, environment ORDER BY version, environment`, m.table())
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", m.name, err)
		}
		seen := map[string]bool{}
		for rows.Next() {
			var v store.VersionInfo
			var first, last int64
			if err := rows.Scan(&v.Version, &v.Environment, &v.Records, &v.Actuals, &first, &last); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("list versions of %s: %w", m.name, err)
			}
			v.FirstSeen, v.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
			if st, ok := statuses[m.key][v.Version]; ok {
				v.Status, v.StatusSetAt = st.status, st.at
			}
			seen[v.Version] = true
			info.Versions = append(info.Versions, v)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", m.name, err)
		}
		// A version with a status but no records yet is still part of the inventory.
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
	rows, err := s.db.QueryContext(ctx, `SELECT model_key, version, status, status_ms FROM vigil_versions`)
	if err != nil {
		if isMissingTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read version statuses: %w", err)
	}
	defer rows.Close()
	out := map[int]map[string]versionStatus{}
	for rows.Next() {
		var key int
		var ver, st string
		var ms int64
		if err := rows.Scan(&key, &ver, &st, &ms); err != nil {
			return nil, fmt.Errorf("read version statuses: %w", err)
		}
		if out[key] == nil {
			out[key] = map[string]versionStatus{}
		}
		out[key][ver] = versionStatus{status: store.Status(st), at: time.UnixMilli(ms).UTC()}
	}
	return out, rows.Err()
}

func isMissingTable(err error) bool {
	return err != nil && (containsFold(err.Error(), "does not exist") || containsFold(err.Error(), "Catalog Error"))
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
