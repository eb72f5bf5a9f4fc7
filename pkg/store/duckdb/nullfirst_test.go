package duckdb

import (
	"context"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// A feature whose first values are null gets its kind from its first value.
func TestFeatureFirstSeenAsNull(t *testing.T) {
	s, _ := openTemp(t)
	r1 := rec(1, "a", "v1", 0, 1, "x")
	r1.Features = []store.Feature{{Name: "z", Value: store.Value{}}, {Name: "income", Value: store.Num(1)}}
	if _, err := s.Ingest(context.Background(), []store.Record{r1}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	r2 := rec(2, "b", "v1", 0, 1, "x")
	r2.Features = append(r2.Features, store.Feature{Name: "z", Value: store.Num(3)})
	if _, err := s.Ingest(context.Background(), []store.Record{r2}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	r3 := rec(3, "c", "v1", 0, 1, "x")
	r3.Features = []store.Feature{{Name: "w", Value: store.Value{}}}
	r4 := rec(4, "d", "v1", 0, 1, "x")
	r4.Features = []store.Feature{{Name: "w", Value: store.Num(2)}}
	if _, err := s.Ingest(context.Background(), []store.Record{r3, r4}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
}
