package clickhouse

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
)

func rec(id string, line int, income float64) store.Record {
	return store.Record{Line: line, Model: "m", ID: id, Version: "v1", Environment: "production",
		Time:       time.Date(2026, 11, 1, 0, 0, line, 0, time.UTC),
		Features:   []store.Feature{{Name: "income", Value: store.Num(income)}},
		Prediction: store.Outcome{Label: "1", HasLabel: true}}
}

// TestIngestNeverDoubleCounts re-sends, retries and repeats ids, on one node
// and on the cluster, and checks the counts and the stored records.
func TestIngestNeverDoubleCounts(t *testing.T) {
	for _, mode := range []string{"single", "cluster"} {
		t.Run(mode, func(t *testing.T) {
			d := chtest.Single(t)
			if mode == "cluster" {
				d = chtest.Cluster(t)
			}
			st := openTest(t, d)
			ctx := context.Background()
			batch := []store.Record{rec("a", 1, 1), rec("b", 2, 2), rec("a", 3, 99), rec("c", 4, 3)}
			res, err := st.Ingest(ctx, batch, store.IngestOptions{IdempotencyKey: "k1"})
			if err != nil || res.Inferences != 3 || res.Duplicates != 1 {
				t.Fatalf("first: %+v %v", res, err)
			}
			// The same batch re-sent without a key: every record is a duplicate.
			res, err = st.Ingest(ctx, batch, store.IngestOptions{})
			if err != nil || res.Inferences != 0 || res.Duplicates != 4 {
				t.Fatalf("re-sent: %+v %v", res, err)
			}
			// Retried with its key: a no-op.
			res, err = st.Ingest(ctx, batch, store.IngestOptions{IdempotencyKey: "k1"})
			if err != nil || !res.Replayed {
				t.Fatalf("retried: %+v %v", res, err)
			}
			// A batch that overlaps: only the new id is stored; a late actual
			// for a stored id attaches, one for an unknown id waits.
			late := store.Record{Line: 3, Model: "m", ID: "b", ActualOnly: true, Actual: store.Outcome{Label: "0", HasLabel: true}}
			early := store.Record{Line: 4, Model: "m", ID: "e", ActualOnly: true, Actual: store.Outcome{Label: "1", HasLabel: true}}
			res, err = st.Ingest(ctx, []store.Record{rec("c", 1, 3), rec("d", 2, 4), late, early}, store.IngestOptions{})
			if err != nil || res.Inferences != 1 || res.Duplicates != 1 || res.Actuals != 1 || res.PendingActuals != 1 {
				t.Fatalf("overlap: %+v %v", res, err)
			}
			if _, err := st.Ingest(ctx, []store.Record{rec("e", 9, 5)}, store.IngestOptions{}); err != nil {
				t.Fatal(err)
			}
			sc := store.Scope{Model: "m", From: time.Unix(0, 0), To: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			agg, err := st.Aggregate(ctx, store.AggregateRequest{Scope: sc, Measures: []store.Measure{
				{Op: store.Count}, {Op: store.Sum, A: store.Column{Kind: store.ColFeature, Name: "income"}},
				{Op: store.CountNotNull, A: store.Column{Kind: store.ColActualLabel}}}})
			if err != nil {
				t.Fatal(err)
			}
			// a=1 (the first of the batch wins), b, c, d, e: 1+2+3+4+5; actuals of b and e.
			if m := agg.Rows[0].Measures; m[0] != 5 || m[1] != 15 || m[2] != 2 {
				t.Fatalf("counts %v, want [5 15 2]", m)
			}
			recs, err := st.Lookup(ctx, store.LookupRequest{Model: "m", IDs: []string{"b", "e"}})
			if err != nil || len(recs) != 2 || recs[0].Actual.Label != "0" || recs[1].Actual.Label != "1" {
				t.Fatalf("lookup: %+v %v", recs, err)
			}
		})
	}
}

// TestIngestRejectsBadBatchWhole checks that nothing of a bad batch is stored.
func TestIngestRejectsBadBatchWhole(t *testing.T) {
	st := openTest(t, chtest.Single(t))
	ctx := context.Background()
	bad := rec("y", 2, 0)
	bad.Features = []store.Feature{{Name: "income", Value: store.Str("high")}}
	_, err := st.Ingest(ctx, []store.Record{rec("x", 1, 1), bad}, store.IngestOptions{})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "features.income" {
		t.Fatalf("want the error of line 2, got %v", err)
	}
	if _, err := st.Schema(ctx, "m"); !errors.Is(err, store.ErrUnknownModel) {
		t.Fatalf("the rejected batch left model m: %v", err)
	}
	missing := rec("z", 7, 1)
	missing.Version = ""
	if _, err := st.Ingest(ctx, []store.Record{missing}, store.IngestOptions{}); err == nil || !strings.Contains(err.Error(), "line 7") {
		t.Fatalf("missing version: %v", err)
	}
}

// TestShardDown kills one shard of a cluster of its own and wants a clear
// error naming it, never partial numbers.
func TestShardDown(t *testing.T) {
	chtest.Single(t) // skips (or fails in CI) without a server
	bin, _ := chtest.Binary()
	d, err := chtest.Start(bin, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	st := openTest(t, d)
	ctx := context.Background()
	var batch []store.Record
	for i := range 200 {
		batch = append(batch, rec(strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), i+1, float64(i)))
	}
	if _, err := st.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "m", From: time.Unix(0, 0), To: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	req := store.AggregateRequest{Scope: sc, Measures: []store.Measure{{Op: store.Count}}}
	agg, err := st.Aggregate(ctx, req)
	if err != nil || agg.Rows[0].Measures[0] != 200 {
		t.Fatalf("before: %+v %v", agg, err)
	}
	d.Servers[1].Kill()
	_, err = st.Aggregate(ctx, req)
	if !errors.Is(err, ErrShardDown) || !strings.Contains(err.Error(), d.Servers[1].Addr()) {
		t.Fatalf("want a shard-down error naming %s, got %v", d.Servers[1].Addr(), err)
	}
	if _, err := st.Ingest(ctx, []store.Record{rec("new", 1, 1)}, store.IngestOptions{}); err == nil {
		t.Fatal("ingest with a shard down succeeded")
	}
}
