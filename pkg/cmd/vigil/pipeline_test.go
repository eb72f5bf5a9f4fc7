package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
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
