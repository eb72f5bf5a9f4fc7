package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

func TestIDFilterNeverMissesAStoredID(t *testing.T) {
	f := newIDFilter(1000)
	stored := make([]uint64, 50_000)
	for i := range stored {
		stored[i] = idHash(fmt.Sprintf("stored-%d", i))
	}
	f.add(stored)
	if got := f.maybe(stored); len(got) != len(stored) {
		t.Fatalf("filter says %d of %d stored ids may be stored", len(got), len(stored))
	}
	fresh := make([]uint64, 200_000)
	for i := range fresh {
		fresh[i] = idHash(fmt.Sprintf("fresh-%d", i))
	}
	// Sized for at least idFilterMinIDs at 32 bits per id, with 50,000 stored
	// the false positive rate is far below 1e-4.
	if got := f.maybe(fresh); len(got) > 20 {
		t.Fatalf("%d of %d new ids flagged as maybe stored", len(got), len(fresh))
	}
}

// batchOf makes n credit inferences with ids prefix-0 … prefix-(n-1).
func batchOf(prefix string, n int) []store.Record {
	out := make([]store.Record, n)
	for i := range out {
		out[i] = rec(i+1, fmt.Sprintf("%s-%d", prefix, i), "v1", i%600, float64(i), "north")
	}
	return out
}

func TestIDFilterKeepsDuplicateChecksExact(t *testing.T) {
	ctx := context.Background()
	s, path := openTempWith(t, Options{FilterIDs: true})
	ingest := func(s *Store, batch []store.Record) store.IngestResult {
		t.Helper()
		res, err := s.Ingest(ctx, batch, store.IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := ingest(s, batchOf("a", 3000)); res.Inferences != 3000 {
		t.Fatalf("first batch: %+v", res)
	}
	// Re-sent ids are found through the filter and the probe.
	if res := ingest(s, append(batchOf("a", 10), batchOf("b", 5)...)); res.Inferences != 5 || res.Duplicates != 10 {
		t.Fatalf("re-sent batch: %+v", res)
	}

	// Hashes the filter holds for ids that are not stored (a rolled-back
	// batch's, or plain false positives) only cost a probe: the ids are stored.
	m := s.model("credit")
	f := s.idFilters[m.key]
	if f == nil {
		t.Fatal("no id filter for the model")
	}
	var ghost []uint64
	for _, r := range batchOf("d", 4) {
		ghost = append(ghost, idHash(r.ID))
	}
	f.add(ghost)
	if res := ingest(s, batchOf("d", 4)); res.Inferences != 4 || res.Duplicates != 0 {
		t.Fatalf("batch whose hashes the filter held: %+v", res)
	}

	// The filter grows: with its capacity exhausted it is rebuilt from the
	// table, twice as large, and still finds every stored id.
	f = s.idFilters[m.key]
	f.capacity = f.n
	if res := ingest(s, append(batchOf("a", 3000), batchOf("e", 7)...)); res.Inferences != 7 || res.Duplicates != 3000 {
		t.Fatalf("batch after growth: %+v", res)
	}
	if g := s.idFilters[m.key]; g == f || g.n != 3000+5+4+7 {
		t.Fatalf("filter not rebuilt from the table: same=%v n=%d", g == f, g.n)
	}

	// A store opened on an existing file builds the filter from the table.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, Options{Path: path, FilterIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if res := ingest(s2, append(batchOf("b", 5), batchOf("e", 7)...)); res.Inferences != 0 || res.Duplicates != 12 {
		t.Fatalf("re-sent batch after reopening: %+v", res)
	}
	if n := count(t, s2, "true"); n != 3000+5+4+7 {
		t.Fatalf("stored %d records", n)
	}
}

// DuckDB's vigil_id_hash is the hash Ingest computes in Go, so ids hashed by
// a bulk load and by Ingest find each other.
func TestIDHashInSQLIsIngests(t *testing.T) {
	s, _ := openTemp(t)
	for _, id := range []string{"", "abc", "data.parquet:1", "ünï"} {
		var got uint64
		if err := s.db.QueryRow("SELECT "+idHashSQL+"(?)", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != idHash(id) {
			t.Errorf("%q: %d in SQL, %d in Go", id, got, idHash(id))
		}
	}
}
