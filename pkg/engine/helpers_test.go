package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// goldenPath is the shared golden file, beside the repository root.
const goldenPath = "../../../shared/golden/metrics.json"

// goldenCases reads the shared golden file's cases, decoded as T.
func goldenCases[T any](t *testing.T) []T {
	t.Helper()
	raw, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("reading golden cases: %v", err)
	}
	var file struct {
		Cases []T `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing golden cases: %v", err)
	}
	return file.Cases
}

// testEngine opens an in-memory store, ingests the batches in order (now is
// the ingest time) and returns an engine over it.
func testEngine(t *testing.T, lim Limits, now time.Time, batches ...[]store.Record) (*Engine, *duckdb.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for i, b := range batches {
		if _, err := st.Ingest(ctx, b, store.IngestOptions{Now: now}); err != nil {
			t.Fatalf("ingest batch %d: %v", i, err)
		}
	}
	return New(st, lim), st
}

// demoEngine generates the demo scenario into an in-memory store, with its
// lifecycle events, and returns an engine over it.
func demoEngine(t *testing.T, cfg demo.Config) (*Engine, demo.Summary) {
	t.Helper()
	e, st := testEngine(t, Limits{}, cfg.End)
	ctx := context.Background()
	sum, err := demo.Generate(ctx, cfg, func(b []store.Record) error {
		_, err := st.Ingest(ctx, b, store.IngestOptions{Now: cfg.End})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range demo.Lifecycle(cfg) {
		if err := st.SetVersionStatus(ctx, ev.Model, ev.Version, ev.Status, ev.At); err != nil {
			t.Fatal(err)
		}
	}
	return e, sum
}

// runQuery parses a query over [from, to) and runs it.
func runQuery(t *testing.T, e *Engine, from, to time.Time, query string) (*Result, error) {
	t.Helper()
	q, err := models.Parse(models.Request{JSON: []byte(query), RefID: "A", From: from, To: to}, models.Limits{})
	if err != nil {
		t.Fatalf("parse %s: %v", query, err)
	}
	return e.Run(context.Background(), q)
}

// mustQuery is runQuery that fails the test on an error.
func mustQuery(t *testing.T, e *Engine, from, to time.Time, query string) *Result {
	t.Helper()
	res, err := runQuery(t, e, from, to, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res
}

// checkQueryError checks that err is a query error on option whose message
// contains every part.
func checkQueryError(t *testing.T, err error, option string, parts ...string) {
	t.Helper()
	var qe *models.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("want a query error, got %v", err)
	}
	if qe.Option != option {
		t.Errorf("option %q, want %q (%v)", qe.Option, option, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}
