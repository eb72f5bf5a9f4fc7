package main

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// bikeParquet writes UCI Bike Sharing's hour.csv as a Parquet file: a string
// id, the year as a string version, the hour's time as a timestamp, numeric
// features (integers and doubles), a string feature and the count as the
// actual value. nan, when positive, puts NaN into temp at that row (1-based);
// dup, when positive, gives that row the id of row 1.
func bikeParquet(t *testing.T, dir string, nan, dup int) string {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData, "bike_sharing", "hour.csv"))
	if err != nil {
		t.Skipf("the Bike Sharing data set is not beside the project: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "instant", Type: arrow.BinaryTypes.String},
		{Name: "year", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "season", Type: arrow.PrimitiveTypes.Int64},
		{Name: "temp", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "hum", Type: arrow.PrimitiveTypes.Float64},
		{Name: "weekday", Type: arrow.BinaryTypes.String},
		{Name: "cnt", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	num := func(r []string, name string) float64 {
		x, err := strconv.ParseFloat(r[col[name]], 64)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for i, r := range rows[1:] {
		day, err := time.Parse("2006-01-02", r[col["dteday"]])
		if err != nil {
			t.Fatal(err)
		}
		at := day.Add(time.Duration(num(r, "hr")) * time.Hour)
		id := "h" + r[col["instant"]]
		if i+1 == dup {
			id = "h1"
		}
		b.Field(0).(*array.StringBuilder).Append(id)
		b.Field(1).(*array.StringBuilder).Append(map[string]string{"0": "2011", "1": "2012"}[r[col["yr"]]])
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixMilli()))
		b.Field(3).(*array.Int64Builder).Append(int64(num(r, "season")))
		temp := num(r, "temp")
		if i+1 == nan {
			temp = math.NaN()
		}
		b.Field(4).(*array.Float64Builder).Append(temp)
		b.Field(5).(*array.Float64Builder).Append(num(r, "hum"))
		b.Field(6).(*array.StringBuilder).Append("d" + r[col["weekday"]])
		b.Field(7).(*array.Int64Builder).Append(int64(num(r, "cnt")))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(dir, "hour.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, out, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(5000)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// tableDigest sums a hash of every stored column of a model's rows, and
// lists the catalog's fields: two loads of the same data give the same.
func tableDigest(t *testing.T, db string) string {
	t.Helper()
	st, err := duckdb.Open(context.Background(), duckdb.Options{Path: db, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var sum, fields string
	var n int
	if err := st.DB().QueryRow("SELECT count(*), sum(hash(t))::VARCHAR FROM inf_1 AS t").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRow("SELECT string_agg(kind || name || idx || dtype, ',' ORDER BY idx) FROM vigil_fields").Scan(&fields); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(n) + " rows " + sum + " " + fields
}

var bikeBulkArgs = []string{"--model", "bike", "--id-col", "instant", "--version-col", "year", "--timestamp-col", "ts", "--actual-value-col", "cnt"}

// A Parquet file loaded through DuckDB's reader stores exactly what the row
// reader stores; loading it again adds nothing.
func TestBulkParquetMatchesTheRowReader(t *testing.T) {
	dir := t.TempDir()
	path := bikeParquet(t, dir, 0, 0)
	bulk := filepath.Join(dir, "bulk.duckdb")
	code, out, errOut := vigil(t, append(append([]string{"ingest", "--db", bulk}, bikeBulkArgs...), path)...)
	if code != 0 || !strings.Contains(out, "17379 records accepted (17379 new inferences") || errOut != "" {
		t.Fatalf("bulk load: exit %d: %s %s", code, out, errOut)
	}
	code, out, errOut = vigil(t, append(append([]string{"ingest", "--db", bulk}, bikeBulkArgs...), path)...)
	if code != 0 || !strings.Contains(out, "(0 new inferences, 17379 duplicates ignored") || errOut != "" {
		t.Fatalf("bulk load again: exit %d: %s %s", code, out, errOut)
	}

	// The same file through the row reader.
	rows := filepath.Join(dir, "rows.duckdb")
	st, err := duckdb.Open(context.Background(), duckdb.Options{Path: rows})
	if err != nil {
		t.Fatal(err)
	}
	f := ingestFlags{mapping: ingest.Mapping{Model: "bike", IDCol: "instant", VersionCol: "year", TimestampCol: "ts", ActualValueCol: "cnt"}}
	res, err := ingestFile(context.Background(), path, f, ingest.DefaultLimits, &storeSink{st: st})
	if err != nil || res.Inferences != 17379 {
		t.Fatalf("row reader: %+v %v", res, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if a, b := tableDigest(t, bulk), tableDigest(t, rows); a != b {
		t.Errorf("bulk load and row reader differ:\n bulk %s\n rows %s", a, b)
	}

	// Default ids (FILE:ROW) and a constant time and version.
	other := filepath.Join(dir, "default-ids.duckdb")
	args := []string{"ingest", "--db", other, "--model", "bike", "--version", "v1", "--timestamp", "2026-11-01T00:00:00Z", "--feature-cols", "temp,hum,weekday", path}
	if code, out, errOut = vigil(t, args...); code != 0 || !strings.Contains(out, "17379 new inferences") || errOut != "" {
		t.Fatalf("default ids: exit %d: %s %s", code, out, errOut)
	}
	if code, out, _ = vigil(t, args...); code != 0 || !strings.Contains(out, "17379 duplicates ignored") {
		t.Fatalf("default ids again: exit %d: %s", code, out)
	}
}

// Actuals that arrived before their inferences are attached by a bulk load.
func TestBulkParquetAttachesWaitingActuals(t *testing.T) {
	dir := t.TempDir()
	path := bikeParquet(t, dir, 0, 0)
	db := filepath.Join(dir, "v.duckdb")
	actuals := filepath.Join(dir, "actuals.ndjson")
	if err := os.WriteFile(actuals, []byte(`{"model":"bike","id":"h5","actual":{"value":1234}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := vigil(t, "ingest", "--db", db, actuals); code != 0 || !strings.Contains(out, "1 actuals waiting") {
		t.Fatalf("actuals: exit %d: %s %s", code, out, errOut)
	}
	if code, out, errOut := vigil(t, append(append([]string{"ingest", "--db", db}, bikeBulkArgs...), path)...); code != 0 || errOut != "" {
		t.Fatalf("bulk load: exit %d: %s %s", code, out, errOut)
	}
	st, err := duckdb.Open(context.Background(), duckdb.Options{Path: db, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var v float64
	var pending int
	if err := st.DB().QueryRow("SELECT actual_value FROM inf_1 WHERE id = 'h5'").Scan(&v); err != nil || v != 1234 {
		t.Errorf("h5's actual: %v %v, want 1234", v, err)
	}
	if err := st.DB().QueryRow("SELECT count(*) FROM vigil_pending_actuals").Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d actuals still waiting (%v)", pending, err)
	}
}

// A bad value leaves the file to the row reader, which names the row and the
// column; a feature changing kind is refused the same way; nothing is stored.
func TestBulkParquetBadInput(t *testing.T) {
	dir := t.TempDir()
	path := bikeParquet(t, dir, 7, 0)
	db := filepath.Join(dir, "v.duckdb")
	code, out, errOut := vigil(t, append(append([]string{"ingest", "--db", db}, bikeBulkArgs...), path)...)
	if code == 0 || !strings.Contains(errOut, "row 7: features.temp is not a finite number") ||
		!strings.Contains(errOut, "line 7") || !strings.Contains(errOut, "features.temp") {
		t.Fatalf("NaN: exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "0 records accepted") {
		t.Errorf("NaN in the first batch: something was stored: %s", out)
	}

	// weekday is categorical in the file; a model where it is numeric refuses it.
	good := bikeParquet(t, t.TempDir(), 0, 0)
	nd := filepath.Join(dir, "first.ndjson")
	if err := os.WriteFile(nd, []byte(`{"model":"bike","version":"v0","id":"x1","timestamp":"2026-11-01T00:00:00Z","features":{"weekday":3}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db2 := filepath.Join(dir, "kinds.duckdb")
	if code, out, errOut = vigil(t, "ingest", "--db", db2, nd); code != 0 {
		t.Fatalf("ndjson: exit %d: %s %s", code, out, errOut)
	}
	code, out, errOut = vigil(t, append(append([]string{"ingest", "--db", db2}, bikeBulkArgs...), good)...)
	if code == 0 || !strings.Contains(errOut, `feature "weekday" of model "bike" is numeric`) {
		t.Fatalf("kind conflict: exit %d: %s %s", code, out, errOut)
	}
}

// An id repeated inside the file: the row reader keeps the first and counts
// the repeat as a duplicate.
func TestBulkParquetRepeatedID(t *testing.T) {
	dir := t.TempDir()
	path := bikeParquet(t, dir, 0, 9)
	db := filepath.Join(dir, "v.duckdb")
	code, out, errOut := vigil(t, append(append([]string{"ingest", "--db", db}, bikeBulkArgs...), path)...)
	if code != 0 || !strings.Contains(out, "(17378 new inferences, 1 duplicates ignored") || !strings.Contains(errOut, "reading row by row") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
}
