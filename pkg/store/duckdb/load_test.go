package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// addBatch prepares a batch and adds it to the load.
func addBatch(ctx context.Context, l *Load, s *Store, batch []store.Record) (store.IngestResult, error) {
	p := s.Prepare(batch, store.IngestOptions{})
	defer p.Release()
	return l.Add(ctx, p)
}

// withFeature is rec with one more numeric feature.
func withFeature(r store.Record, name string, v store.Value) store.Record {
	r.Features = append(r.Features, store.Feature{Name: name, Value: v})
	return r
}

func TestLoadCommitsItsBatchesTogether(t *testing.T) {
	withAndWithoutIDFilter(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Ingest(ctx, []store.Record{rec(1, "a", "v1", 0, 100, "north")}, store.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		l, err := s.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The first batch adds a feature; the second gives it a value again
		// (its column is the one the first batch added), repeats an id of the
		// first and attaches an actual to an inference of the first.
		res1, err := addBatch(ctx, l, s, []store.Record{withFeature(rec(1, "b", "v1", 1, 200, "south"), "tenure", store.Num(3)), actual(2, "a", "1")})
		if err != nil {
			t.Fatal(err)
		}
		res2, err := addBatch(ctx, l, s, []store.Record{
			withFeature(rec(1, "c", "v2", 2, 300, "east"), "tenure", store.Num(5)),
			rec(2, "b", "v1", 1, 999, "west"), actual(3, "b", "0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res1.Inferences != 1 || res1.Actuals != 1 || res2.Inferences != 1 || res2.Duplicates != 1 || res2.Actuals != 1 || res2.PendingActuals != 0 {
			t.Fatalf("batch results %+v and %+v", res1, res2)
		}
		// Until the commit, other readers see the store as it was.
		if n := count(t, s, "true"); n != 1 {
			t.Fatalf("before the commit a reader sees %d records, want 1", n)
		}
		if n := count(t, s, "actual_label IS NOT NULL"); n != 0 {
			t.Fatalf("before the commit a reader sees %d actuals, want 0", n)
		}
		if sch, _ := s.Schema(ctx, "credit"); sch != nil {
			if _, ok := sch.Feature("tenure"); ok {
				t.Fatal("before the commit the catalog has the load's new feature")
			}
		}
		if err := l.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "true"); n != 3 {
			t.Fatalf("after the commit %d records, want 3", n)
		}
		if n := count(t, s, "(id = 'a' AND actual_label = '1') OR (id = 'b' AND actual_label = '0' AND f_1 = 200)"); n != 2 {
			t.Fatalf("after the commit %d of the 2 actuals attached to the right records", n)
		}
		sch, err := s.Schema(ctx, "credit")
		if err != nil {
			t.Fatal(err)
		}
		f, ok := sch.Feature("tenure")
		if !ok {
			t.Fatal("the load's new feature is not in the catalog after the commit")
		}
		if n := count(t, s, fieldColumn(f)+" IN (3, 5)"); n != 2 {
			t.Fatalf("%d records have the new feature's value, want 2", n)
		}
		if _, err := addBatch(ctx, l, s, []store.Record{rec(1, "d", "v1", 0, 1, "x")}); !errors.Is(err, errLoadEnded) {
			t.Fatalf("Add after Commit returned %v", err)
		}
		if err := l.Commit(ctx); !errors.Is(err, errLoadEnded) {
			t.Fatalf("a second Commit returned %v", err)
		}
	})
}

func TestLoadRollsBackEveryBatchWhenOneFails(t *testing.T) {
	withAndWithoutIDFilter(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Ingest(ctx, []store.Record{rec(1, "a", "v1", 0, 100, "north")}, store.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		first := []store.Record{withFeature(rec(1, "b", "v1", 1, 200, "south"), "tenure", store.Num(3)), actual(2, "a", "1")}
		l, err := s.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := addBatch(ctx, l, s, first); err != nil {
			t.Fatal(err)
		}
		// tenure is numeric since the load's first batch.
		_, err = addBatch(ctx, l, s, []store.Record{rec(1, "c", "v1", 2, 1, "east"), withFeature(rec(2, "d", "v1", 2, 1, "east"), "tenure", store.Str("long"))})
		var re *store.RecordError
		if !errors.As(err, &re) || re.Line != 2 || re.Field != "features.tenure" || !strings.Contains(err.Error(), "numeric") {
			t.Fatalf("want a record error at line 2 saying features.tenure is numeric, got %v", err)
		}
		if n := count(t, s, "true"); n != 1 {
			t.Fatalf("after the failed load %d records, want the 1 stored before it", n)
		}
		if n := count(t, s, "actual_label IS NOT NULL"); n != 0 {
			t.Fatal("the failed load attached an actual")
		}
		if sch, _ := s.Schema(ctx, "credit"); sch != nil {
			if _, ok := sch.Feature("tenure"); ok {
				t.Fatal("the failed load changed the catalog")
			}
		}
		if err := l.Commit(ctx); !errors.Is(err, errLoadEnded) {
			t.Fatalf("Commit after a failed Add returned %v", err)
		}
		// The store takes writes again, and the first batch stores whole.
		res, err := s.Ingest(ctx, first, store.IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inferences != 1 || res.Actuals != 1 || res.Duplicates != 0 {
			t.Fatalf("first batch stored again: %+v", res)
		}
	})
}

func TestLoadRollbackStoresNothing(t *testing.T) {
	s, _ := openTempWith(t, Options{FilterIDs: true})
	ctx := context.Background()
	l, err := s.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := addBatch(ctx, l, s, []store.Record{rec(1, "a", "v1", 0, 100, "north")}); err != nil {
		t.Fatal(err)
	}
	l.Rollback()
	l.Rollback() // a second call does nothing
	if m := s.model("credit"); m != nil {
		t.Fatal("a rolled-back load's new model is in the catalog")
	}
	res, err := s.Ingest(ctx, []store.Record{rec(1, "a", "v1", 0, 100, "north")}, store.IngestOptions{})
	if err != nil || res.Inferences != 1 {
		t.Fatalf("after the rollback the record stores as new: %+v %v", res, err)
	}
}
