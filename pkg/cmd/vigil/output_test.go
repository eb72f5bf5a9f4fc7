package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	demoOnce sync.Once
	demoDB   string
	demoErr  string
)

// demoStore fills one small demo store for the tests of this file.
func demoStore(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-cli-output-")
		if err != nil {
			demoErr = err.Error()
			return
		}
		demoDB = filepath.Join(dir, "demo.duckdb")
		if code, out, errOut := vigil(t, "demo", "--db", demoDB, "--scale", "0.05", "--seed", "7", "--end", "2026-11-01T00:00:00Z"); code != 0 {
			demoErr = out + errOut
		}
	})
	if demoErr != "" {
		t.Fatalf("demo: %s", demoErr)
	}
	return demoDB
}

const driftQuery = `{"queryType":"drift","model":"credit-risk","features":["income","region"],"metric":"psi","interval":"1d"}`

func queryArgs(db, output, query string) []string {
	args := []string{"query", "--db", db, "--from", "2026-10-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z", "--query", query}
	if output != "" {
		args = append(args, "--output", output)
	}
	return args
}

// points counts the (time, series) points of a QueryData JSON answer.
func points(t *testing.T, out string) (n int, series map[string]int) {
	t.Helper()
	var resp struct {
		Results map[string]struct {
			Frames []struct {
				Data struct {
					Values [][]any `json:"values"`
				} `json:"data"`
				Schema struct {
					Fields []struct {
						Config struct {
							DisplayNameFromDS string `json:"displayNameFromDS"`
						} `json:"config"`
					} `json:"fields"`
				} `json:"schema"`
			} `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("not the QueryData JSON: %v\n%.300s", err, out)
	}
	series = map[string]int{}
	for _, r := range resp.Results {
		for _, f := range r.Frames {
			if len(f.Data.Values) == 2 {
				n += len(f.Data.Values[0])
				series[f.Schema.Fields[1].Config.DisplayNameFromDS] += len(f.Data.Values[0])
			}
		}
	}
	return n, series
}

func TestQueryOutputsOnTheDemo(t *testing.T) {
	db := demoStore(t)

	// Not a terminal: the QueryData JSON, as scripts read it.
	code, jsonOut, errOut := vigil(t, queryArgs(db, "", driftQuery)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	n, series := points(t, jsonOut)
	if n == 0 || len(series) != 4 {
		t.Fatalf("%d points in series %v; want the income and region series of v1 and v2", n, series)
	}

	// A table: a header, then one row per (time, series), then the notices.
	code, out, errOut := vigil(t, queryArgs(db, "table", driftQuery)...)
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, errOut)
	}
	body, notices, _ := strings.Cut(out, "\n\n")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "time series value" {
		t.Fatalf("table header %q", lines[0])
	}
	if len(lines)-1 != n {
		t.Fatalf("table has %d rows, the JSON %d points:\n%s", len(lines)-1, n, out)
	}
	for name, count := range series {
		if got := strings.Count(body, name+" {"); got != count {
			t.Errorf("series %s: %d rows, want %d", name, got, count)
		}
	}
	if !strings.Contains(notices, "info A: reference:") {
		t.Errorf("the notices are not under the table:\n%s", notices)
	}

	// CSV: the same rows, parseable; the notices on stderr.
	code, out, errOut = vigil(t, queryArgs(db, "csv", driftQuery)...)
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if strings.Join(rows[0], ",") != "time,series,value" || len(rows)-1 != n {
		t.Fatalf("csv: header %v and %d rows, want %d", rows[0], len(rows)-1, n)
	}
	for _, row := range rows[1:] {
		if v, err := strconv.ParseFloat(row[2], 64); err != nil || math.IsNaN(v) {
			t.Fatalf("csv row %v: the value is not a number", row)
		}
	}
	if !strings.Contains(errOut, "info A: reference:") {
		t.Errorf("csv: the notices are not on stderr: %q", errOut)
	}

	// A table frame's rows as they are: the models inventory.
	code, out, _ = vigil(t, queryArgs(db, "table", `{"queryType":"models"}`)...)
	if code != 0 || !strings.HasPrefix(out, "model ") || !strings.Contains(out, "credit-risk") || !strings.Contains(out, "deprecated") {
		t.Fatalf("models table: exit %d:\n%s", code, out)
	}
}

func TestQueryOutputBadInput(t *testing.T) {
	db := demoStore(t)
	code, _, errOut := vigil(t, queryArgs(db, "yaml", driftQuery)...)
	if code != exitUsage || !strings.Contains(errOut, `--output "yaml": must be table, csv or json`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A query error is printed under the table and fails the command.
	code, _, errOut = vigil(t, queryArgs(db, "table", `{"queryType":"drift","model":"credit-risk","metric":"nope"}`)...)
	if code != exitFailed || !strings.Contains(errOut, "nope") {
		t.Fatalf("bad metric: exit %d: %s", code, errOut)
	}
}

func TestGateSummaryOnTheDemo(t *testing.T) {
	db := demoStore(t)
	summary := filepath.Join(t.TempDir(), "summary.md")
	_, jsonOut, _ := vigil(t, queryArgs(db, "", driftQuery)...)
	code, out, errOut := vigil(t, "gate", "--db", db, "--from", "2026-10-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z",
		"--max", "0.5", "--summary", summary, "--query", driftQuery)
	if code != exitFailed {
		t.Fatalf("gate: exit %d: %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if !strings.HasPrefix(md, "## Vigil gate: failed\n") || !strings.Contains(md, "Values must be at most 0.5") {
		t.Fatalf("summary:\n%s", md)
	}
	// Each series that crossed has a row with its worst value and how many points crossed, as the query says.
	var resp struct {
		Results map[string]struct {
			Frames []struct {
				Schema struct {
					Fields []struct {
						Config struct {
							DisplayNameFromDS string `json:"displayNameFromDS"`
						} `json:"config"`
					} `json:"fields"`
				} `json:"schema"`
				Data struct {
					Values [][]*float64 `json:"values"`
				} `json:"data"`
			} `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(jsonOut), &resp); err != nil {
		t.Fatal(err)
	}
	crossedSeries := 0
	for _, f := range resp.Results["A"].Frames {
		if len(f.Data.Values) != 2 {
			continue
		}
		worst, crossed := math.Inf(-1), 0
		for _, v := range f.Data.Values[1] {
			if v != nil && *v > 0.5 {
				crossed++
				worst = math.Max(worst, *v)
			}
		}
		name := f.Schema.Fields[1].Config.DisplayNameFromDS
		if crossed == 0 {
			if strings.Contains(md, "| "+name+" {") {
				t.Errorf("%s did not cross the bound but has a row", name)
			}
			continue
		}
		crossedSeries++
		want := "| " + strconv.FormatFloat(worst, 'g', 6, 64) + " | "
		var row string
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| "+name+" {") {
				row = line
			}
		}
		if !strings.Contains(row, want) || !strings.HasSuffix(row, "| "+strconv.Itoa(crossed)+" of "+strconv.Itoa(len(f.Data.Values[1]))+" |") {
			t.Errorf("%s: row %q, want worst %s and %d points", name, row, want, crossed)
		}
	}
	if crossedSeries == 0 {
		t.Fatal("no series crossed 0.5: the test checks nothing")
	}

	// A bound nothing crosses: the summary says the gate passed, with no table.
	passed := filepath.Join(t.TempDir(), "passed.md")
	code, _, _ = vigil(t, "gate", "--db", db, "--from", "2026-10-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z",
		"--max", "1000", "--summary", passed, "--query", driftQuery)
	b, _ = os.ReadFile(passed)
	if code != exitOK || !strings.HasPrefix(string(b), "## Vigil gate: passed") || strings.Contains(string(b), "| series |") {
		t.Fatalf("passed gate: exit %d:\n%s", code, b)
	}

	// A summary file that cannot be written fails the command, naming the flag.
	code, _, errOut = vigil(t, "gate", "--db", db, "--from", "2026-10-02T00:00:00Z", "--max", "1000",
		"--summary", filepath.Join(t.TempDir(), "missing", "dir", "s.md"), "--query", driftQuery)
	if code != exitFailed || !strings.Contains(errOut, "--summary") {
		t.Fatalf("unwritable summary: exit %d: %s", code, errOut)
	}
}

func TestEveryCommandHelpHasFlagsAndExamples(t *testing.T) {
	for _, c := range commands() {
		code, out, errOut := vigil(t, c.name, "-h")
		text := out + errOut
		if code != exitOK || !strings.Contains(text, "Usage: vigil "+c.name) || !strings.Contains(text, "Flags:") ||
			!strings.Contains(text, "Examples:\n  vigil "+c.name) || !strings.Contains(text, "  -") {
			t.Errorf("vigil %s -h: exit %d:\n%s", c.name, code, text)
		}
	}
	_, _, errOut := vigil(t, "query", "-h")
	if !strings.Contains(errOut, "docs/queries.md") || !strings.Contains(errOut, "-output") {
		t.Errorf("vigil query -h does not point to docs/queries.md or list --output:\n%s", errOut)
	}
}
