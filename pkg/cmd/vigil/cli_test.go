package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

const sharedData = "../../../../shared/data"

var adultColumns = "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"

// TestMain doubles as a helper process that holds a database file open, so the
// lock message can be checked across processes.
func TestMain(m *testing.M) {
	if path := os.Getenv("VIGIL_TEST_HOLD_DB"); path != "" {
		st, err := duckdb.Open(context.Background(), duckdb.Options{Path: path})
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("ready\n")
		time.Sleep(60 * time.Second)
		_ = st.Close()
		os.Exit(0)
	}
	chtest.Main(m) // runs the tests, then stops any ClickHouse servers they started
}

func vigil(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestIngestAdultAndBikeSharing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "real.duckdb")
	code, out, errOut := vigil(t, "ingest", "--db", db, "--format", "csv", "--columns", adultColumns, "--model", "adult", "--version", "v1",
		"--environment", "training", "--timestamp", "2026-11-01T00:00:00Z", "--actual-label-col", "income", "--null-values", "?",
		filepath.Join(sharedData, "adult/adult.data"))
	if code != 0 {
		t.Fatalf("adult.data: exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "32561 records accepted (32561 new inferences") {
		t.Fatalf("adult.data: %s", out)
	}
	code, out, errOut = vigil(t, "ingest", "--db", db, "--format", "csv", "--columns", adultColumns, "--skip-lines", "1", "--model", "adult", "--version", "v1",
		"--environment", "production", "--timestamp", "2026-11-02T00:00:00Z", "--actual-label-col", "income", "--null-values", "?",
		"--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`, filepath.Join(sharedData, "adult/adult.test"))
	if code != 0 || !strings.Contains(out, "16281 records accepted (16281 new inferences") {
		t.Fatalf("adult.test: exit %d: %s %s", code, out, errOut)
	}
	// Re-sending a file never double-counts.
	code, out, _ = vigil(t, "ingest", "--db", db, "--format", "csv", "--columns", adultColumns, "--skip-lines", "1", "--model", "adult", "--version", "v1",
		"--environment", "production", "--timestamp", "2026-11-02T00:00:00Z", "--actual-label-col", "income", "--null-values", "?",
		"--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`, filepath.Join(sharedData, "adult/adult.test"))
	if code != 0 || !strings.Contains(out, "(0 new inferences, 16281 duplicates ignored") {
		t.Fatalf("re-ingest: exit %d: %s", code, out)
	}
	code, out, errOut = vigil(t, "ingest", "--db", db, "--model", "bike", "--version", "v1", "--timestamp-col", "dteday+hr",
		"--actual-value-col", "cnt", "--feature-cols", "temp,hum,windspeed,season,weathersit", "--categorical-cols", "season,weathersit",
		filepath.Join(sharedData, "bike_sharing/hour.csv"))
	if code != 0 || !strings.Contains(out, "17379 records accepted (17379 new inferences") {
		t.Fatalf("hour.csv: exit %d: %s %s", code, out, errOut)
	}

	code, out, errOut = vigil(t, "query", "--db", db, "--from", "2010-01-01T00:00:00Z", "--to", "2027-01-01T00:00:00Z", "--query", `{"queryType":"models"}`)
	if code != 0 {
		t.Fatalf("models query: exit %d: %s", code, errOut)
	}
	rows := modelsTable(t, out)
	want := map[string]int64{"adult/v1/training": 32561, "adult/v1/production": 16281, "bike/v1/production": 17379}
	for k, n := range want {
		if rows[k].records != n {
			t.Errorf("%s: %d records, want %d", k, rows[k].records, n)
		}
	}
	if rows["adult/v1/training"].actuals != 32561 {
		t.Errorf("adult training actuals: %d", rows["adult/v1/training"].actuals)
	}
	if rows["bike/v1/production"].first != "2011-01-01T00:00:00Z" || rows["bike/v1/production"].last != "2012-12-31T23:00:00Z" {
		t.Errorf("bike time range: %+v", rows["bike/v1/production"])
	}

	// Traffic: the bike data counts per month of 2011-01 add up to the file's rows.
	code, out, errOut = vigil(t, "query", "--db", db, "--from", "2011-01-01T00:00:00Z", "--to", "2011-02-01T00:00:00Z",
		"--query", `{"queryType":"traffic","model":"bike","interval":"1d"}`)
	if code != 0 {
		t.Fatalf("traffic: %s", errOut)
	}
	var resp struct {
		Results map[string]struct {
			Frames []struct {
				Data struct{ Values [][]any } `json:"data"`
			} `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, v := range resp.Results["A"].Frames[0].Data.Values[1] {
		total += v.(float64)
	}
	if total != 688 { // rows of January 2011 in hour.csv (some hours are missing in the source)
		t.Errorf("January 2011 traffic: %v records", total)
	}
}

type modelRow struct {
	records, actuals int64
	first, last      string
}

func modelsTable(t *testing.T, out string) map[string]modelRow {
	t.Helper()
	var resp struct {
		Results map[string]struct {
			Frames []struct {
				Schema struct {
					Fields []struct{ Name string } `json:"fields"`
				} `json:"schema"`
				Data struct{ Values [][]any } `json:"data"`
			} `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatal(err)
	}
	f := resp.Results["A"].Frames[0]
	idx := map[string]int{}
	for i, fl := range f.Schema.Fields {
		idx[fl.Name] = i
	}
	rows := map[string]modelRow{}
	for i := range f.Data.Values[0] {
		key := f.Data.Values[idx["model"]][i].(string) + "/" + f.Data.Values[idx["version"]][i].(string) + "/" + f.Data.Values[idx["environment"]][i].(string)
		ms := func(name string) string {
			v, _ := f.Data.Values[idx[name]][i].(float64)
			return time.UnixMilli(int64(v)).UTC().Format(time.RFC3339)
		}
		rows[key] = modelRow{records: int64(f.Data.Values[idx["records"]][i].(float64)), actuals: int64(f.Data.Values[idx["actuals"]][i].(float64)), first: ms("first_seen"), last: ms("last_seen")}
	}
	return rows
}

func TestIngestRejectsBadBatchWithLineAndField(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bad.duckdb")
	good := `{"model":"m","id":"1","version":"v1","environment":"production","timestamp":"2026-11-01T12:00:00Z","features":{"age":37,"region":"south"},"prediction":{"label":"1","score":0.7}}`
	cases := []struct {
		name, body, want string
	}{
		{"bad timestamp", good + "\n" + strings.Replace(good, `"2026-11-01T12:00:00Z"`, `"yesterday"`, 1), `line 2: field "timestamp"`},
		{"type change", good + "\n" + strings.Replace(strings.Replace(good, `"id":"1"`, `"id":"2"`, 1), `"age":37`, `"age":"old"`, 1), `line 2: field "features.age"`},
		{"overflow", good + "\n\n" + strings.Replace(good, `"age":37`, `"age":1e999`, 1), `line 3: field "features.age"`},
		{"nested feature", strings.Replace(good, `"age":37`, `"age":{"x":1}`, 1), `line 1: field "features.age"`},
		{"unknown field", strings.Replace(good, `"features"`, `"feature"`, 1), `line 1: not a valid record`},
		{"bad json", good + "\n{", `line 2: not a valid record`},
		{"missing model", strings.Replace(good, `"model":"m",`, ``, 1), `line 1: field "model": is required`},
		{"actual only without actual", `{"model":"m","id":"9"}`, `line 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".ndjson")
			if err := os.WriteFile(file, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := vigil(t, "ingest", "--db", db, file)
			if code != 1 || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errOut, c.want)
			}
		})
	}
	// Nothing of the rejected batches was stored.
	code, out, _ := vigil(t, "query", "--db", db, "--from", "now-1d", "--query", `{"queryType":"models"}`)
	if code != 0 || strings.Contains(out, `"m"`) {
		t.Fatalf("rejected batches left records: %s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nope"}, 2, "unknown command"},
		{[]string{"ingest", "x.ndjson"}, 2, "exactly one of --db"},
		{[]string{"ingest", "--db", "x.duckdb"}, 2, "no input files"},
		{[]string{"ingest", "--db", "x.duckdb", "x.weird"}, 2, "cannot tell the format"},
		{[]string{"query", "--db", "x.duckdb"}, 2, "--from and --query are required"},
		{[]string{"gate", "--db", "x", "--from", "now-1d", "--query", "{}"}, 2, "give --max, --min or both"},
		{[]string{"demo"}, 2, "--db FILE is required"},
		{[]string{"demo", "--db", "x", "--scale", "0"}, 2, "--scale"},
		{[]string{"version", "--db", "x", "--model", "m", "--version", "v", "--status", "retired"}, 2, "must be one of shadow"},
		{[]string{"query", "--db", "x", "--from", "yesterday", "--query", "{}"}, 2, "--from"},
	}
	for _, c := range cases {
		code, _, errOut := vigil(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

func TestQueryErrorsAreReadable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "q.duckdb")
	file := filepath.Join(t.TempDir(), "one.ndjson")
	_ = os.WriteFile(file, []byte(`{"model":"m","id":"1","version":"v1","timestamp":"2026-11-01T12:00:00Z","features":{"age":37}}`), 0o644)
	if code, _, errOut := vigil(t, "ingest", "--db", db, file); code != 0 {
		t.Fatal(errOut)
	}
	cases := []struct{ query, want string }{
		{`{"queryType":"sideways"}`, `"sideways" is not a query type`},
		{`{"queryType":"traffic","model":"nope"}`, `"nope" is not a known model; known models: m`},
		{`{"queryType":"traffic","model":"m","metric":"speed"}`, `"speed" is not a traffic metric`},
		{`{"queryType":"traffic","model":"m","interval":"1s"}`, `more than the limit`},
		{`{"queryType":"traffic","model":"m","filters":[{"field":"features.height","op":"=","value":1}]}`, `has no feature "height"`},
		{`{"queryType":"traffic","model":"m","filters":[{"field":"features.age","op":"~","value":1}]}`, `is not an operator`},
		{`not json`, `not a JSON object`},
	}
	for _, c := range cases {
		code, out, errOut := vigil(t, "query", "--db", db, "--from", "2026-10-01T00:00:00Z", "--to", "2026-11-02T00:00:00Z", "--query", c.query)
		if code == 0 || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%s: exit %d, out %q err %q; want %q", c.query, code, out, errOut, c.want)
		}
		if strings.Contains(out, `"status": 500`) {
			t.Errorf("%s: a user mistake answered 500: %s", c.query, out)
		}
	}
}

func TestVersionStatusAndDemoStory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	end := "2026-11-28T00:00:00Z"
	code, out, errOut := vigil(t, "demo", "--db", db, "--seed", "7", "--end", end, "--scale", "0.2")
	if code != 0 {
		t.Fatalf("demo: %s %s", out, errOut)
	}
	code, out, errOut = vigil(t, "version", "--db", db, "--model", "credit-risk", "--version", "v2", "--status", "deprecated", "--at", "2026-11-27T00:00:00Z")
	if code != 0 || !strings.Contains(out, "credit-risk v2 is deprecated") {
		t.Fatalf("version: %s %s", out, errOut)
	}
	code, out, _ = vigil(t, "query", "--db", db, "--from", "2026-10-29T00:00:00Z", "--to", end, "--query", `{"queryType":"models","model":"credit-risk"}`)
	if code != 0 || !strings.Contains(out, `"deprecated"`) {
		t.Fatalf("models after version: %s", out)
	}
	// v1 was deprecated by the demo on day 22 and v2 just now: both still get
	// traffic on the last day, so the deprecation gate fails on both.
	deprecated := `{"queryType":"traffic","metric":"count","status":["deprecated"],"interval":"1d"}`
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", "2026-11-27T00:00:00Z", "--to", end, "--query", deprecated, "--max", "0")
	if code != 1 || !strings.Contains(out, "CROSSED credit-risk v1 count") || strings.Contains(out, "credit-risk v2") == false {
		t.Fatalf("deprecation gate on the last day: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", "2026-10-29T00:00:00Z", "--to", end, "--query", `{"queryType":"traffic","metric":"share","model":"credit-risk","status":["deprecated"],"environment":"production","interval":"1d"}`, "--min", "0")
	if code != 0 || !strings.Contains(out, "gate passed: 2 series within bounds") {
		t.Fatalf("share gate: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = vigil(t, "gate", "--db", db, "--from", "2026-10-29T00:00:00Z", "--to", end, "--query", `{"queryType":"traffic","status":["retired"]}`, "--max", "1")
	if code != 1 || !strings.Contains(errOut, `"retired" is not a lifecycle status`) {
		t.Fatalf("bad status: exit %d %s", code, errOut)
	}
	code, _, errOut = vigil(t, "version", "--db", db, "--model", "nope", "--version", "v1", "--status", "active")
	if code != 1 || !strings.Contains(errOut, "unknown model") {
		t.Fatalf("version of an unknown model: %d %s", code, errOut)
	}
}

func TestSecondProcessGetsLockMessage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "held.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VIGIL_TEST_HOLD_DB="+db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("holder: %q", line)
	}
	file := filepath.Join(t.TempDir(), "one.ndjson")
	_ = os.WriteFile(file, []byte(`{"model":"m","id":"1","version":"v1","timestamp":"2026-11-01T12:00:00Z"}`), 0o644)
	code, _, errOut := vigil(t, "ingest", "--db", db, file)
	if code != 1 || !strings.Contains(errOut, "is held by") || !strings.Contains(errOut, "--grafana") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// The demo attaches the file without a write-ahead log: the same message.
	code, _, errOut = vigil(t, "demo", "--db", db, "--scale", "0.01")
	if code != 1 || !strings.Contains(errOut, "is held by") || !strings.Contains(errOut, "--grafana") {
		t.Fatalf("demo: exit %d, stderr %q", code, errOut)
	}
}
