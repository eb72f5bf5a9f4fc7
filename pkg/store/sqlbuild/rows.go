package sqlbuild

import (
	"fmt"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Rows is what both stores' drivers return from a query (database/sql and
// the ClickHouse native driver).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// IDSet reads a one-column result of record ids into a set; the caller
// closes rows and checks rows.Err (each store words that error its own way).
func IDSet(rows Rows) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up stored ids: %w", err)
		}
		out[id] = struct{}{}
	}
	return out, nil
}

// CheckSample checks a sample request against the model it reads: a positive
// limit, and embeddings only from a model that has them.
func CheckSample(model string, embeddingDim int, req store.SampleRequest) error {
	if req.Limit <= 0 {
		return fmt.Errorf("sample of %q: the limit must be positive, got %d", model, req.Limit)
	}
	if req.Embeddings && embeddingDim == 0 {
		return fmt.Errorf("model %q: %w", model, store.ErrNoEmbeddings)
	}
	return nil
}
