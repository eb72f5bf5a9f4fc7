package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	share := 0.0
	p := &progress{w: &out, live: true, label: "data.ndjson", share: func() float64 { return share }, now: func() time.Time { return clock }}
	p.start = clock

	clock = clock.Add(2 * time.Second)
	share = 0.25
	p.stored(50_000)
	want := "\r\033[Kdata.ndjson: 50,000 records stored, 25,000/s, 25% read, 6s left"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	// Within a quarter second the line is not redrawn.
	clock = clock.Add(100 * time.Millisecond)
	p.stored(1)
	if strings.Count(out.String(), "\r") != 1 {
		t.Fatalf("redrawn too soon: %q", out.String())
	}
	clock = clock.Add(1900 * time.Millisecond)
	share = 1
	p.stored(49_999)
	p.finish(nil)
	lines := strings.Split(out.String(), "\r\033[K")
	if last := lines[len(lines)-1]; last != "data.ndjson: 100,000 records stored in 4s (25,000 records/s)\n" {
		t.Fatalf("summary line %q", last)
	}
}

func TestProgressWithoutATerminalIsOneLine(t *testing.T) {
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "bike.duckdb")
	code := run(t.Context(), []string{"ingest", "--db", db, "--batch", "2000", "--model", "bike", "--version", "v1",
		"--timestamp-col", "dteday+hr", "--actual-value-col", "cnt", "--feature-cols", "temp,hum,windspeed",
		filepath.Join(sharedData, "bike_sharing/hour.csv")}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// A note on why the file is read row by row (DuckDB's reader does not
	// join a date and an hour column), then the summary.
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "reading row by row (left to the row reader: a DATECOL+HOURCOL time)") ||
		!strings.Contains(lines[1], "hour.csv: 17,379 records stored in ") || strings.Contains(errb.String(), "\r") {
		t.Fatalf("stderr %q: want the note and one summary line", errb.String())
	}

	// A file that fails says so in its line.
	errb.Reset()
	code = run(t.Context(), []string{"ingest", "--db", db, filepath.Join(t.TempDir(), "missing.ndjson")}, &out, &errb)
	if code == 0 {
		t.Fatal("a missing file was ingested")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
