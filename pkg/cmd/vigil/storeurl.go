package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// storeFlagHelp describes --store, beside --db on every command.
const storeFlagHelp = "store URL instead of --db: clickhouse://USER:PASSWORD@HOST:PORT/DATABASE?cluster=NAME (database created when missing) or duckdb:///path/file.duckdb"

// storeTarget is where a command's store lives: a DuckDB file (--db or a
// duckdb:// URL) or ClickHouse (a clickhouse:// URL).
type storeTarget struct {
	duckPath string
	ch       *clickhouse.Options
}

// parseStoreTarget reads --db and --store; exactly one may be given.
func parseStoreTarget(db, storeURL string) (storeTarget, error) {
	switch {
	case db != "" && storeURL != "":
		return storeTarget{}, usagef("give --db FILE or --store URL, not both")
	case storeURL == "":
		return storeTarget{duckPath: db}, nil
	case strings.HasPrefix(storeURL, "duckdb://"):
		u, err := url.Parse(storeURL)
		if err != nil || u.Path == "" || u.Host != "" {
			return storeTarget{}, usagef("--store %q: want duckdb:///path/file.duckdb", storeURL)
		}
		return storeTarget{duckPath: u.Path}, nil
	case strings.HasPrefix(storeURL, "clickhouse://"):
		o, err := clickhouse.ParseURL(storeURL)
		if err != nil {
			return storeTarget{}, usagef("--store: %v", err)
		}
		return storeTarget{ch: &o}, nil
	}
	return storeTarget{}, usagef("--store: the URL must start with clickhouse:// or duckdb://")
}

func (t storeTarget) empty() bool { return t.duckPath == "" && t.ch == nil }

// openClickHouse opens the ClickHouse store of a target.
func (t storeTarget) openClickHouse(ctx context.Context) (store.Store, error) {
	st, err := clickhouse.Open(ctx, *t.ch)
	if err != nil {
		return nil, fmt.Errorf("open ClickHouse store: %w", err)
	}
	return st, nil
}

// openRead opens the store for queries (a DuckDB file read-only, with
// DuckDB's memory limit).
func (t storeTarget) openRead(ctx context.Context, memoryLimit string) (store.Store, error) {
	if t.ch != nil {
		return t.openClickHouse(ctx)
	}
	return duckdb.Open(ctx, duckdb.Options{Path: t.duckPath, ReadOnly: true, MemoryLimit: memoryLimit})
}

// genericSink stores batches through store.Store's Ingest (ClickHouse).
type genericSink struct{ st store.Store }

// prepare copies the batch (the reader reuses it) and returns the job that stores it.
func (g *genericSink) prepare(batch []store.Record) storeJob {
	own := make([]store.Record, len(batch))
	for i, r := range batch {
		r.Features = append([]store.Feature(nil), r.Features...)
		r.Tags = append([]store.Tag(nil), r.Tags...)
		r.Embedding = append([]float32(nil), r.Embedding...)
		own[i] = r
	}
	return func(ctx context.Context) (store.IngestResult, error) {
		return g.st.Ingest(ctx, own, store.IngestOptions{})
	}
}

// demoIntoStore generates the demo into a ClickHouse store, batch by batch.
func demoIntoStore(ctx context.Context, target storeTarget, cfg demo.Config, stdout io.Writer) error {
	start := time.Now()
	st, err := target.openClickHouse(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var total store.IngestResult
	opts := store.IngestOptions{Now: cfg.End}
	sum, err := demo.Generate(ctx, cfg, func(batch []store.Record) error {
		res, err := st.Ingest(ctx, batch, opts)
		total.Inferences += res.Inferences
		total.Actuals += res.Actuals + res.PendingActuals
		return err
	})
	if err != nil {
		return fmt.Errorf("generate demo: %w", err)
	}
	for _, ev := range demo.Lifecycle(cfg) {
		if err := st.SetVersionStatus(ctx, ev.Model, ev.Version, ev.Status, ev.At); err != nil {
			return fmt.Errorf("set lifecycle: %w", err)
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "demo: %d inferences and %d late actuals from %s to %s into ClickHouse at %s\n",
		total.Inferences, total.Actuals, sum.Start.Format(time.RFC3339), sum.End.Format(time.RFC3339), target.ch.Addr)
	fmt.Fprintf(stdout, "ingested in %.1fs: %.0f records/s\n", elapsed.Seconds(), float64(total.Inferences+total.Actuals)/elapsed.Seconds())
	return nil
}
