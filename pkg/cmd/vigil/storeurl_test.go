package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
)

// TestStoreURLClickHouse ingests real data into ClickHouse (one node and the
// two-shard cluster) with --store, then queries and gates it, and wants the
// same answers as from a DuckDB file.
func TestStoreURLClickHouse(t *testing.T) {
	db := filepath.Join(t.TempDir(), "adult.duckdb")
	args := func(target ...string) []string {
		return append(append([]string{"ingest"}, target...), "--format", "csv", "--columns", adultColumns, "--model", "adult", "--version", "v1",
			"--environment", "training", "--timestamp", "2026-11-01T00:00:00Z", "--actual-label-col", "income", "--null-values", "?",
			filepath.Join(sharedData, "adult/adult.data"))
	}
	if code, out, errOut := vigil(t, args("--store", "duckdb://"+db)...); code != 0 {
		t.Fatalf("duckdb ingest: %d %s %s", code, out, errOut)
	}
	query := `{"queryType":"traffic","metric":"count","model":"adult","interval":"1d"}`
	_, want, _ := vigil(t, "query", "--db", db, "--from", "2026-10-30T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--query", query)
	for _, d := range []*chtest.Deployment{chtest.Single(t), chtest.Cluster(t)} {
		url := fmt.Sprintf("clickhouse://default@%s/%s", d.Addr(), chtest.Database("cli"))
		if d.Cluster != "" {
			url += "?cluster=" + d.Cluster
		}
		code, out, errOut := vigil(t, args("--store", url)...)
		if code != 0 || !strings.Contains(out, "32561 records accepted (32561 new inferences") {
			t.Fatalf("%s ingest: %d %s %s", url, code, out, errOut)
		}
		code, out, _ = vigil(t, args("--store", url)...)
		if code != 0 || !strings.Contains(out, "(0 new inferences, 32561 duplicates ignored") {
			t.Fatalf("%s re-ingest: %d %s", url, code, out)
		}
		code, got, errOut := vigil(t, "query", "--store", url, "--from", "2026-10-30T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--query", query)
		if code != 0 || got != want || !strings.Contains(got, "32561") {
			t.Fatalf("%s query: %d\n%s\nwant\n%s%s", url, code, got, want, errOut)
		}
		code, out, errOut = vigil(t, "gate", "--store", url, "--from", "2026-10-30T00:00:00Z", "--to", "2026-11-03T00:00:00Z", "--query", query, "--max", "1")
		if code != 1 {
			t.Fatalf("%s gate: exit %d, want 1 (the count is past the bound): %s %s", url, code, out, errOut)
		}
	}
}

func TestStoreURLBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "--store", "postgres://x/y", "--from", "now-1d", "--query", "{}"}, "must start with clickhouse:// or duckdb://"},
		{[]string{"query", "--db", "a.duckdb", "--store", "duckdb:///b.duckdb", "--from", "now-1d", "--query", "{}"}, "not both"},
		{[]string{"query", "--store", "clickhouse://localhost/db?clustr=x", "--from", "now-1d", "--query", "{}"}, `unknown parameter "clustr"`},
		{[]string{"ingest", "--store", "clickhouse://127.0.0.1:1/db", "x.csv"}, "connect to ClickHouse at 127.0.0.1:1"},
	} {
		code, _, errOut := vigil(t, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

func TestDemoIntoClickHouse(t *testing.T) {
	d := chtest.Single(t)
	url := fmt.Sprintf("clickhouse://default@%s/%s", d.Addr(), chtest.Database("demo"))
	code, out, errOut := vigil(t, "demo", "--store", url, "--scale", "0.01", "--end", "2026-11-28T00:00:00Z")
	if code != 0 || !strings.Contains(out, "into ClickHouse at "+d.Addr()) {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	code, got, errOut := vigil(t, "query", "--store", url, "--from", "2026-10-29T00:00:00Z", "--to", "2026-11-28T00:00:00Z",
		"--query", `{"queryType":"traffic","metric":"count","model":"credit-risk","environment":"production","interval":"30d"}`)
	if code != 0 || !strings.Contains(got, "credit-risk") {
		t.Fatalf("query: %d %s %s", code, got, errOut)
	}
}
