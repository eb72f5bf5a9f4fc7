package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// A producer that refills its two batches alternately (as the demo generator
// does) must never have a batch overwritten while the sink reads it.
func TestPipelineHandsOverBatchesInOrderWithoutOverwrites(t *testing.T) {
	var seen []string
	p := startPipeline(context.Background(), func(_ context.Context, b []store.Record) error {
		first := b[0].ID
		time.Sleep(2 * time.Millisecond) // the producer refills meanwhile
		for _, r := range b {
			if r.ID != first {
				return fmt.Errorf("batch %s overwritten while stored: saw %s", first, r.ID)
			}
		}
		seen = append(seen, first)
		return nil
	})
	bufs := [2][]store.Record{make([]store.Record, 100), make([]store.Record, 100)}
	for i := range 20 {
		b := bufs[i%2]
		for j := range b {
			b[j].ID = fmt.Sprint(i)
		}
		if err := p.emit(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.wait(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 20 || seen[0] != "0" || seen[19] != "19" {
		t.Fatalf("stored batches %v", seen)
	}
}

func TestPipelineStopsAtTheFirstFailedBatch(t *testing.T) {
	bad := errors.New("line 7: field \"timestamp\": is required")
	stored := 0
	p := startPipeline(context.Background(), func(_ context.Context, b []store.Record) error {
		if b[0].Line == 3 {
			return bad
		}
		stored++
		return nil
	})
	var emitErr error
	for i := 1; i <= 10 && emitErr == nil; i++ {
		emitErr = p.emit(context.Background(), []store.Record{{Line: i}})
	}
	if !errors.Is(emitErr, bad) {
		t.Fatalf("emit after the failed batch returned %v", emitErr)
	}
	if err := p.wait(); !errors.Is(err, bad) {
		t.Fatalf("wait returned %v", err)
	}
	if stored != 2 {
		t.Fatalf("%d batches stored, want the 2 before the failed one", stored)
	}
}

// groupedLoads commits every few batches together; a failed batch rolls back
// its own group only, and finish commits the last, partial group.
func TestGroupedLoadsCommitInGroups(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, duckdb.Options{Path: filepath.Join(t.TempDir(), "g.duckdb"), BulkLoad: true, FilterIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	record := func(i int) store.Record {
		return store.Record{Line: i, Model: "m", ID: fmt.Sprint("r", i), Version: "v1", Environment: "production",
			Time:       time.Date(2026, 11, 1, 0, i, 0, 0, time.UTC),
			Features:   []store.Feature{{Name: "x", Value: store.Num(float64(i))}},
			Prediction: store.Outcome{Score: 0.5, HasScore: true}}
	}
	stored := func() int64 {
		inv, err := st.Models(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, m := range inv {
			for _, v := range m.Versions {
				n += v.Records
			}
		}
		return n
	}
	var total store.IngestResult
	loads := &groupedLoads{st: st, every: 3}
	pipe := startJobPipeline(ctx, &total)
	var after []int64 // records visible after each batch was handed over
	for i := 1; i <= 7; i++ {
		if err := pipe.emit(ctx, loads.job(st.Prepare([]store.Record{record(i)}, store.IngestOptions{}))); err != nil {
			t.Fatal(err)
		}
		after = append(after, stored())
	}
	if err := pipe.wait(); err != nil {
		t.Fatal(err)
	}
	if n := stored(); n > 6 {
		t.Fatalf("%d records visible before the last group was committed, want at most 6", n)
	}
	if err := loads.finish(ctx); err != nil {
		t.Fatal(err)
	}
	if n := stored(); n != 7 || total.Inferences != 7 {
		t.Fatalf("after finish %d records visible and %d counted, want 7", n, total.Inferences)
	}
	for i, n := range after {
		if n%3 != 0 {
			t.Fatalf("after batch %d, %d records visible: not a whole number of groups", i+1, n)
		}
	}

	// A bad batch rolls back the open group (batches 8 and 9), not the
	// committed ones; the store takes writes again afterwards.
	pipe = startJobPipeline(ctx, &total)
	bad := record(10)
	bad.Features[0].Value = store.Str("ten") // x is numeric
	var emitErr error
	for _, r := range []store.Record{record(8), record(9), bad, record(11)} {
		if emitErr = pipe.emit(ctx, loads.job(st.Prepare([]store.Record{r}, store.IngestOptions{}))); emitErr != nil {
			break
		}
	}
	err = pipe.wait()
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 10 || re.Field != "features.x" {
		t.Fatalf("want the record error of line 10, got %v", err)
	}
	loads.abort()
	if n := stored(); n != 7 {
		t.Fatalf("after the failed group %d records visible, want the 7 committed before it", n)
	}
	if _, err := st.Ingest(ctx, []store.Record{record(8)}, store.IngestOptions{}); err != nil {
		t.Fatalf("the store takes writes after the failed group: %v", err)
	}
}
