package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// bulkVsRows ingests a file with --db twice, once through DuckDB's reader
// where it can (bulk) and once row by row, and checks that both end alike:
// the same exit status, the same error, the same stored rows and catalog.
// It returns whether the first load went through DuckDB's reader.
func bulkVsRows(t *testing.T, args []string, path string) (bulk bool) {
	t.Helper()
	dir := t.TempDir()
	load := func(name string, flags ...string) (int, string, string, string) {
		db := filepath.Join(dir, name+".duckdb")
		code, out, errOut := vigil(t, append(append(append([]string{"ingest", "--db", db}, flags...), args...), path)...)
		digest := ""
		if code == 0 {
			digest = tableDigest(t, db)
		}
		return code, out, errOut, digest
	}
	code, out, errOut, digest := load("bulk")
	rcode, rout, rerrOut, rdigest := load("rows", "--row-by-row")
	if code != rcode || digest != rdigest || out != rout {
		t.Errorf("bulk: exit %d %s %s %s\nrows: exit %d %s %s %s", code, out, errOut, digest, rcode, rout, rerrOut, rdigest)
	}
	// The same errors, but for the note on why the file was read row by
	// row and the row reader's progress.
	bulk = !strings.Contains(errOut, "reading row by row")
	if !bulk {
		t.Log(strings.SplitN(errOut, "\n", 2)[0])
	}
	if a, b := errorLines(errOut), errorLines(rerrOut); a != b {
		t.Errorf("errors differ:\nbulk: %s\nrows: %s", a, b)
	}
	return bulk
}

func errorLines(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.Contains(l, "reading row by row") && !strings.Contains(l, "records stored in") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// Real CSV files load through DuckDB's reader and store exactly what the
// row reader stores: a header, dates, a file without a header and with
// spaces and null values, skipped lines, a space delimiter.
func TestBulkCSVMatchesTheRowReader(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		args []string
	}{
		{"bike hours", "bike_sharing/hour.csv", []string{"--model", "bike", "--id-col", "instant", "--version-col", "yr", "--timestamp-col", "dteday", "--actual-value-col", "cnt", "--tag-cols", "season"}},
		{"bike days, default ids", "bike_sharing/day.csv", []string{"--model", "bike", "--version", "v1", "--timestamp", "2026-11-01T00:00:00Z", "--feature-cols", "temp,hum,weekday,dteday", "--categorical-cols", "weekday"}},
		{"adult", "adult/adult.data", []string{"--format", "csv", "--columns", adultColumns, "--model", "adult", "--version", "v1", "--timestamp", "2026-11-01T00:00:00Z", "--actual-label-col", "income", "--null-values", "?"}},
		{"adult test, a line skipped", "adult/adult.test", []string{"--format", "csv", "--skip-lines", "1", "--columns", adultColumns, "--model", "adult", "--version", "v2", "--timestamp", "2026-11-02T00:00:00Z", "--actual-label-col", "income", "--null-values", "?"}},
		{"german credit, space-delimited", "german_credit/german.data", []string{"--format", "csv", "--delimiter", " ", "--columns", germanColumns, "--model", "credit", "--version", "v1", "--timestamp", "2026-11-01T00:00:00Z", "--actual-label-col", "risk"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(sharedData, tc.path)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("the data set is not beside the project: %v", err)
			}
			if !bulkVsRows(t, tc.args, path) {
				t.Error("the file was read row by row")
			}
		})
	}
}

// germanColumns names german.data's 21 columns.
const germanColumns = "checking,duration,history,purpose,amount,savings,employment,rate,personal,debtors,residence,property,age,plans,housing,credits,job,liable,telephone,foreign,risk"

// Files the bulk load must leave to the row reader, or may load itself, end
// exactly as the row reader ends them: the same records, or the same error
// naming the line and the column.
func TestBulkCSVEdgeCases(t *testing.T) {
	base := "id,ts,x,c,y\n1,2026-11-01,0.5,a,1\n2,2026-11-01,1.5,b,0\n3,2026-11-02,-2e-3,a,1\n"
	args := []string{"--model", "m", "--version", "v1", "--id-col", "id", "--timestamp-col", "ts", "--actual-value-col", "y"}
	for _, tc := range []struct {
		name, body string
		extra      []string
		bulk       bool
	}{
		{"plain", base, nil, true},
		{"CRLF line ends", strings.ReplaceAll(base, "\n", "\r\n"), nil, true},
		{"no final newline", strings.TrimSuffix(base, "\n"), nil, true},
		{"blank lines at the end", base + "\n\n", nil, true},
		{"quoted cells", base + "4,2026-11-02,\"7\",\"x,y\",0\n", nil, true},
		{"null values", base + "4,2026-11-02,NA,NA,0\n", []string{"--null-values", "NA"}, true},
		{"date-times", "id,ts,x\n1,2026-11-01 05:06:07,1\n2,2026-11-02 23:59:59,2\n", nil, true},
		{"epoch seconds", "id,ts,x\n1,1790000000,1\n2,1790000001.9,2\n", []string{"--timestamp-unit", "s"}, true},
		{"epoch milliseconds", "id,ts,x\n1,1790000000000,1\n2,-5,2\n", nil, false},
		{"default ids after skipped lines", "# two lines\n# of notes\n" + base, []string{"--skip-lines", "2"}, true},
		{"numbers after text in the sample", base + "4,2026-11-02,1,7,0\n", nil, false},
		{"numbers after the inferred rows", base + "4,2026-11-02,1,7,0\n", []string{"--infer-rows", "3"}, true},
		{"spaces kept", "id,ts,x\n1,2026-11-01, 1\n2,2026-11-01,2\n", []string{"--no-trim"}, false},
		{"a categorical column read as text", base, []string{"--categorical-cols", "x"}, true},
		{"a blank line between rows", strings.Replace(base, "\n2,", "\n\n2,", 1), nil, false},
		{"a value spanning lines", base + "4,2026-11-02,1,\"two\nlines\",0\n", nil, false},
		{"a bare quote", base + "4,2026-11-02,1,a\"b,0\n", nil, false},
		{"an escaped quote", base + "4,2026-11-02,1,\"a\"\"b\",0\n", nil, false},
		{"infinity", base + "4,2026-11-02,inf,a,0\n", nil, false},
		{"NaN in the actual", base + "4,2026-11-02,1,a,NaN\n", nil, false},
		{"hexadecimal", base + "4,2026-11-02,0x1p-2,a,0\n", nil, false},
		{"out of range", base + "4,2026-11-02,1e400,a,0\n", nil, false},
		{"underscores", base + "4,2026-11-02,1_000,a,0\n", nil, false},
		{"text after the inferred rows", base + "4,2026-11-02,many,a,0\n", []string{"--infer-rows", "2"}, false},
		{"text in the sample", base + "4,2026-11-02,many,a,0\n", nil, false},
		{"text in the actual", base + "4,2026-11-02,1,a,yes\n", nil, false},
		{"a missing time", base + "4,,1,a,0\n", nil, false},
		{"RFC 3339 times", "id,ts,x\n1,2026-11-02T10:00:00Z,1\n2,2026-11-02T10:00:00.123456+05:30,2\n3,2026-11-02T23:59:59.9-11:00,3\n", nil, true},
		{"RFC 3339 nanoseconds", base + "4,2026-11-02T10:00:00.123456789Z,1,a,0\n", nil, false},
		{"an hour 24", base + "4,2026-11-02T24:00:00Z,1,a,0\n", nil, false},
		{"a time without its zone", base + "4,2026-11-02T10:00:00,1,a,0\n", nil, false},
		{"an impossible date", base + "4,2026-02-30,1,a,0\n", nil, false},
		{"a missing id", base + ",2026-11-02,1,a,0\n", nil, false},
		{"a repeated id", base + "1,2026-11-02,1,a,0\n", nil, false},
		{"too many fields", base + "4,2026-11-02,1,a,0,9\n", nil, false},
		{"too few fields", base + "4,2026-11-02,1\n", nil, false},
		{"bad UTF-8", base + "4,2026-11-02,1,\xff,0\n", nil, false},
		{"a vertical tab around a cell", base + "4,2026-11-02,1,\va,0\n", nil, false},
		{"a no-break space around a cell", base + "4,2026-11-02,1,a\u00a0,0\n", nil, false},
		{"a line over the limit", base + "4,2026-11-02,1," + strings.Repeat("a", 1<<20) + ",0\n", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			a := args
			if !strings.HasPrefix(tc.body, "id,ts,x,c,y") && !strings.Contains(tc.name, "skipped") {
				a = []string{"--model", "m", "--version", "v1", "--id-col", "id", "--timestamp-col", "ts"}
			}
			if strings.Contains(tc.name, "default ids") {
				a = []string{"--model", "m", "--version", "v1", "--timestamp-col", "ts", "--actual-value-col", "y"}
			}
			if got := bulkVsRows(t, append(append([]string{}, a...), tc.extra...), path); got != tc.bulk {
				t.Errorf("loaded by DuckDB's reader: %v, want %v", got, tc.bulk)
			}
		})
	}
}

// A CSV file loaded again adds nothing, and actuals that arrived before their
// inferences are attached, with ids taken from the id column or from the
// file's lines (FILE:LINE, as the row reader names them).
func TestBulkCSVDuplicatesAndWaitingActuals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.csv")
	body := "# exported 2026-11-02\nid,ts,x,c\n1,2026-11-01,0.5,a\n2,2026-11-01,1.5,b\n3,2026-11-02,-2e-3,a\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	actuals := filepath.Join(dir, "actuals.ndjson")
	if err := os.WriteFile(actuals, []byte(`{"model":"m","id":"2","actual":{"value":7}}`+"\n"+
		`{"model":"n","id":"f.csv:4","actual":{"value":8}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "v.duckdb")
	if code, out, errOut := vigil(t, "ingest", "--db", db, actuals); code != 0 || !strings.Contains(out, "2 actuals waiting") {
		t.Fatalf("actuals: exit %d: %s %s", code, out, errOut)
	}
	for _, a := range [][]string{
		{"--model", "m", "--version", "v1", "--id-col", "id", "--timestamp-col", "ts", "--skip-lines", "1"},
		{"--model", "n", "--version", "v1", "--timestamp-col", "ts", "--skip-lines", "1"},
	} {
		args := append(append([]string{"ingest", "--db", db}, a...), path)
		if code, out, errOut := vigil(t, args...); code != 0 || !strings.Contains(out, "3 new inferences") || errOut != "" {
			t.Fatalf("%v: exit %d: %s %s", a, code, out, errOut)
		}
		if code, out, errOut := vigil(t, args...); code != 0 || !strings.Contains(out, "(0 new inferences, 3 duplicates ignored") || errOut != "" {
			t.Fatalf("%v again: exit %d: %s %s", a, code, out, errOut)
		}
	}
	st, err := duckdb.Open(context.Background(), duckdb.Options{Path: db, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var m, n float64
	var pending int
	if err := st.DB().QueryRow("SELECT actual_value FROM inf_1 WHERE id = '2'").Scan(&m); err != nil || m != 7 {
		t.Errorf("id 2's actual: %v %v, want 7", m, err)
	}
	if err := st.DB().QueryRow("SELECT actual_value FROM inf_2 WHERE id = 'f.csv:4'").Scan(&n); err != nil || n != 8 {
		t.Errorf("f.csv:4's actual: %v %v, want 8", n, err)
	}
	if err := st.DB().QueryRow("SELECT count(*) FROM vigil_pending_actuals").Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d actuals still waiting (%v)", pending, err)
	}
}
