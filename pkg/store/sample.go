package store

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoEmbeddings is returned when a model's records carry no embeddings.
var ErrNoEmbeddings = errors.New("no embeddings")

// DimensionError is a stored embedding whose length differs from its model's
// dimension. Ingest rejects such records; the query path checks again, so a
// store written by other means never yields a silently truncated centroid.
type DimensionError struct {
	Model string
	ID    string
	Got   int
	Want  int
}

func (e *DimensionError) Error() string {
	return fmt.Sprintf("record %q of model %q has an embedding of %d dimensions, but the model's embeddings have %d",
		e.ID, e.Model, e.Got, e.Want)
}

// VectorSumsRequest asks the store for the component-wise sum of the
// embeddings of each group of records: the sufficient statistics of a
// centroid, so vectors never cross into Go. Records without an embedding are
// left out.
type VectorSumsRequest struct {
	Scope Scope
	Keys  []Key
	// MaxGroups bounds the result size; the store fails with ErrTooManyGroups past it.
	MaxGroups int
}

// VectorSumsRow is one group: its key values in the order of the request's
// Keys, how many records with an embedding it holds and the sum of their
// vectors (Dim components).
type VectorSumsRow struct {
	Keys  []KeyValue
	Count int64
	Sums  []float64
}

// VectorSumsResult holds the groups, ordered by their keys.
type VectorSumsResult struct {
	Dim  int
	Rows []VectorSumsRow
}

// SampleRequest asks for a deterministic sample of a scope's records.
//
// Records are ranked by a hash of their id, so the same request always
// returns the same records, and a record in two overlapping requests tends to
// be picked by both. With Stratify set, the scope is cut into time buckets of
// that interval (bucket start = floor(t / interval), as KeyBucket) and every
// bucket contributes in proportion to its size (within one record), so the
// sample is spread over time the way the records are.
type SampleRequest struct {
	Scope Scope
	// Limit bounds the records returned; it must be positive. A scope with at
	// most Limit records is returned whole.
	Limit int
	// Stratify is the interval of the time strata; zero samples the scope as one stratum.
	Stratify time.Duration
	// Embeddings keeps only records that carry an embedding and returns the vectors.
	Embeddings bool
}

// LookupRequest asks for a model's inference records by id.
type LookupRequest struct {
	Model string
	IDs   []string
	// Embeddings returns the vectors too.
	Embeddings bool
}
