package store

import (
	"context"
	"time"
)

// Store is an inference store. The embedded DuckDB store and ClickHouse both
// implement it; the query engine only speaks to this interface, so every heavy
// aggregation happens inside the store and only aggregates cross into Go.
type Store interface {
	// Ingest stores one batch all-or-nothing: either every record is accepted or
	// the store is unchanged and the error names the first bad record.
	Ingest(ctx context.Context, batch []Record, opts IngestOptions) (IngestResult, error)
	// SetVersionStatus records a model version's lifecycle status and when it was set.
	SetVersionStatus(ctx context.Context, model, version string, status Status, at time.Time) error
	// Models lists every model with its versions and environments.
	Models(ctx context.Context) ([]ModelInfo, error)
	// Schema describes one model's fields; ErrUnknownModel when it does not exist.
	Schema(ctx context.Context, model string) (*ModelSchema, error)
	// Aggregate runs one grouped aggregate in the store.
	Aggregate(ctx context.Context, req AggregateRequest) (*AggregateResult, error)
	// Values passes fn the distinct values of a numeric column with their
	// counts, one group at a time in the order of the keys. A group's slices
	// are valid only until fn returns.
	Values(ctx context.Context, req ValuesRequest, fn func(ValueGroup) error) error
	// CDFDistances computes inside the store, for numeric columns, the
	// two-sample KS statistic and/or the first Wasserstein distance between
	// the reference sample and each group of the current scope, and when
	// asked the histograms of both on the reference's bin edges (see
	// CDFDistanceRow for the exact definitions): one pass serves every
	// numeric drift metric. One row per (group, column)
	// crosses into Go, never the raw values. fn is called from one goroutine
	// at a time; a column's groups come in the order of the keys, the
	// columns in no set order.
	CDFDistances(ctx context.Context, req CDFDistancesRequest, fn func(CDFDistanceRow) error) error
	// VectorSums adds up the embeddings of each group in the store (centroids).
	VectorSums(ctx context.Context, req VectorSumsRequest) (*VectorSumsResult, error)
	// Sample returns a deterministic sample of a scope's records, ordered by
	// time then id. Only ID, Version, Environment, Time, Prediction, Actual,
	// ActualTime, Text and (when asked) Embedding are filled in.
	Sample(ctx context.Context, req SampleRequest) ([]Record, error)
	// Lookup returns the inference records of a model with the given ids,
	// filled in as by Sample and ordered by time then id; ids that are not
	// stored are simply absent.
	Lookup(ctx context.Context, req LookupRequest) ([]Record, error)
	// Close releases the store.
	Close() error
}

// IngestOptions tune one ingest call.
type IngestOptions struct {
	// IdempotencyKey, when set, makes a retried batch with the same key a no-op.
	IdempotencyKey string
	// Now is the ingest time (used as the actual time of late actuals that carry none).
	Now time.Time
}

// IngestResult says what one batch did.
type IngestResult struct {
	// Inferences counts new inference records stored.
	Inferences int
	// Duplicates counts inference records whose (model, id) was already stored.
	Duplicates int
	// Actuals counts ground truths attached to stored inferences.
	Actuals int
	// PendingActuals counts ground truths kept until their inference arrives.
	PendingActuals int
	// Replayed is true when the idempotency key had been seen: nothing was written.
	Replayed bool
}

// ModelInfo is one row of the model inventory.
type ModelInfo struct {
	Name         string
	Versions     []VersionInfo
	Features     []FieldInfo
	EmbeddingDim int
}

// VersionInfo describes one model version in one environment.
type VersionInfo struct {
	Version     string
	Environment string
	Status      Status
	StatusSetAt time.Time
	FirstSeen   time.Time
	LastSeen    time.Time
	Records     int64
	Actuals     int64
}

// FieldKind says where a field lives in the record.
type FieldKind string

// Field kinds in the catalog.
const (
	FieldFeature FieldKind = "feature"
	FieldTag     FieldKind = "tag"
)

// FieldInfo is one feature or tag of a model as the catalog records it.
type FieldInfo struct {
	Kind  FieldKind
	Name  string
	Type  Kind
	Index int
}

// ModelSchema is one model's catalog entry.
type ModelSchema struct {
	Name         string
	Features     []FieldInfo
	Tags         []FieldInfo
	EmbeddingDim int
}

// Feature finds a feature by name.
func (s *ModelSchema) Feature(name string) (FieldInfo, bool) {
	for _, f := range s.Features {
		if f.Name == name {
			return f, true
		}
	}
	return FieldInfo{}, false
}

// Tag finds a tag by name.
func (s *ModelSchema) Tag(name string) (FieldInfo, bool) {
	for _, f := range s.Tags {
		if f.Name == name {
			return f, true
		}
	}
	return FieldInfo{}, false
}
