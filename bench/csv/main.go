//go:build duckdb_arrow

// Command csv writes the drift benchmark's Parquet file as CSV, for
// scripts/bench-csv.sh: the same rows and columns, the time as RFC 3339 in
// UTC (a form the CSV reader of vigil ingest reads), numbers in DuckDB's
// shortest round-trip form.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	in := flag.String("in", "", "the benchmark's data.parquet (required)")
	out := flag.String("out", "", "the CSV file to write (required)")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: csv --in data.parquet --out data.csv")
		os.Exit(2)
	}
	if err := export(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "csv:", err)
		os.Exit(1)
	}
}

func export(in, out string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	_, err = db.Exec(fmt.Sprintf(`COPY (SELECT * REPLACE (strftime(ts AT TIME ZONE 'UTC', '%%Y-%%m-%%dT%%H:%%M:%%SZ') AS ts)
		FROM read_parquet(%s)) TO %s (FORMAT csv, HEADER)`, quote(in), quote(out)))
	return err
}
