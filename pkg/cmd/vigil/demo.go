package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// demoCommitBatches is how many batches `vigil demo` commits at once: a
// transaction of ten 100,000-record batches gives the credit-risk table about
// four row groups, which DuckDB then writes straight into the file (see
// duckdb.Load). The demo writes no write-ahead log (duckdb.Options.SkipWAL):
// stopped midway, it keeps what was checkpointed before; a re-run with the
// same seed stores the rest.
const demoCommitBatches = 10

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	db := fs.String("db", "", "DuckDB file to fill (this or --store is required)")
	storeURL := fs.String("store", "", storeFlagHelp)
	days := fs.Int("days", 30, "days of traffic")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same records")
	scale := fs.Float64("scale", 1, "multiplies record counts (1 gives about 500k inferences)")
	end := fs.String("end", "", "RFC 3339 end of the scenario (default: now)")
	batch := fs.Int("batch", 100_000, "records per ingest batch")
	memory := fs.String("memory-limit", bulkMemoryLimit, "DuckDB's memory limit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	target, err := parseStoreTarget(*db, *storeURL)
	if err != nil {
		return err
	}
	if target.empty() {
		return usagef("--db FILE is required (or --store URL)")
	}
	*db = target.duckPath
	if *days < 30 {
		return usagef("--days must be at least 30 (the scenario's timeline spans 30 days)")
	}
	if *scale <= 0 || *scale > 1000 {
		return usagef("--scale must be in (0, 1000]")
	}
	if *batch <= 0 {
		return usagef("--batch must be positive")
	}
	cfg := demo.Config{Days: *days, Seed: *seed, Scale: *scale, BatchSize: *batch, End: time.Now().UTC().Truncate(time.Minute)}
	if *end != "" {
		t, err := ingest.ParseTime(*end)
		if err != nil {
			return usagef("--end: %v", err)
		}
		cfg.End = t
	}
	limitGoHeap()
	if target.ch != nil {
		return demoIntoStore(ctx, target, cfg, stdout)
	}
	start := time.Now()
	st, err := duckdb.Open(ctx, duckdb.Options{Path: *db, MemoryLimit: *memory, BulkLoad: true, FilterIDs: true, SkipWAL: true})
	if err != nil {
		return err
	}
	defer st.Close()

	// The next batch is generated and prepared while the previous one is
	// stored; every demoCommitBatches batches are committed together.
	var total store.IngestResult
	pipe := startJobPipeline(ctx, &total)
	loads := &groupedLoads{st: st, every: demoCommitBatches}
	opts := store.IngestOptions{Now: cfg.End}
	// The models are generated one after the other, each over the whole timeline: no share of the work is known.
	prog := newProgress(stderr, "demo", nil)
	// Prepare copies a batch into Arrow columns before emit returns, so the
	// generator may refill it at once.
	sum, err := demo.GenerateEach(ctx, cfg, func(batch []store.Record) error {
		return pipe.emit(ctx, countedJob(loads.job(st.Prepare(batch, opts)), prog, len(batch)))
	})
	if werr := pipe.wait(); err == nil {
		err = werr
	}
	if err == nil {
		err = loads.finish(ctx)
	}
	loads.abort()
	prog.finish(err)
	if err != nil {
		return fmt.Errorf("generate demo: %w", err)
	}
	for _, ev := range demo.Lifecycle(cfg) {
		if err := st.SetVersionStatus(ctx, ev.Model, ev.Version, ev.Status, ev.At); err != nil {
			return fmt.Errorf("set lifecycle: %w", err)
		}
	}
	// Closing checkpoints the file: part of the cost of loading it.
	if err := st.Close(); err != nil {
		return fmt.Errorf("close %s: %w", *db, err)
	}
	elapsed := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "demo: %d inferences and %d late actuals from %s to %s into %s\n",
		total.Inferences, total.Actuals+total.PendingActuals, sum.Start.Format(time.RFC3339), sum.End.Format(time.RFC3339), *db)
	for model, n := range sum.PerModel {
		fmt.Fprintf(stdout, "  %-18s %d records\n", model, n)
	}
	fmt.Fprintf(stdout, "ingested in %.1fs: %.0f records/s\n", elapsed.Seconds(), float64(total.Inferences+total.Actuals+total.PendingActuals)/elapsed.Seconds())
	return nil
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	db := fs.String("db", "", "DuckDB file (required)")
	model := fs.String("model", "", "model name (required)")
	version := fs.String("version", "", "model version (required)")
	status := fs.String("status", "", "shadow, canary, active or deprecated (required)")
	at := fs.String("at", "", "RFC 3339 time the status was set (default: now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *db == "" || *model == "" || *version == "" || *status == "" {
		return usagef("--db, --model, --version and --status are required")
	}
	st, ok := store.ParseStatus(*status)
	if !ok {
		return usagef("--status %q: must be one of shadow, canary, active, deprecated", *status)
	}
	when := time.Now().UTC()
	if *at != "" {
		t, err := ingest.ParseTime(*at)
		if err != nil {
			return usagef("--at: %v", err)
		}
		when = t
	}
	s, err := duckdb.Open(ctx, duckdb.Options{Path: *db})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SetVersionStatus(ctx, *model, *version, st, when); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s is %s since %s\n", *model, *version, st, when.Format(time.RFC3339))
	return nil
}
