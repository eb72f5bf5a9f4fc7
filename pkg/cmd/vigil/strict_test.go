package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The real-data checks of "no silent wrong answers": UCI Adult with the
// rule-based predictor the real-data tests document (">50K" when
// education-num ≥ 13 or capital-gain > 5000, else "<=50K"; score =
// min(1, education-num / 16)), queried the way a new user would.

const (
	adultFrom = "2026-11-02T00:00:00Z"
	adultTo   = "2026-11-03T00:00:00Z"
)

var (
	adultOnce sync.Once
	adultPath string
	adultErr  error
)

// adultDB returns a store holding model "adult" (training: adult.data,
// production: adult.test with its labels mapped onto the training ones) and
// model "adult-nomap" (production: adult.test without --label-map, so its
// actuals ">50K." never meet the predicted ">50K"). Built once per test run.
func adultDB(t *testing.T) string {
	t.Helper()
	adultOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-adult-")
		if err != nil {
			adultErr = err
			return
		}
		adultPath = filepath.Join(dir, "adult.duckdb")
		train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
		if adultErr = deriveAdultCSV(filepath.Join(sharedData, "adult/adult.data"), 0, "tr-", train); adultErr != nil {
			return
		}
		if adultErr = deriveAdultCSV(filepath.Join(sharedData, "adult/adult.test"), 1, "te-", test); adultErr != nil {
			return
		}
		common := []string{"ingest", "--db", adultPath, "--format", "csv", "--version", "v1", "--null-values", "?",
			"--prediction-label-col", "pred_label", "--prediction-score-col", "pred_score", "--actual-label-col", "income", "--id-col", "id"}
		for _, c := range [][]string{
			{"--model", "adult", "--environment", "training", "--timestamp", "2026-11-01T00:00:00Z", train},
			{"--model", "adult", "--environment", "production", "--timestamp", adultFrom, "--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`, test},
			{"--model", "adult-nomap", "--environment", "production", "--timestamp", adultFrom, test},
		} {
			var out, errb bytes.Buffer
			if code := run(t.Context(), append(append([]string{}, common...), c...), &out, &errb); code != 0 {
				adultErr = errors.New("ingest " + strings.Join(c, " ") + ": " + out.String() + errb.String())
				return
			}
		}
	})
	if adultErr != nil {
		t.Fatal(adultErr)
	}
	return adultPath
}

// deriveAdultCSV writes an Adult file as CSV with a header, an id and the
// predictor's label and score.
func deriveAdultCSV(src string, skip int, idPrefix, dst string) error {
	in, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	text := string(in)
	for i := 0; i < skip; i++ {
		_, text, _ = strings.Cut(text, "\n")
	}
	cols := strings.Split(adultColumns, ",")
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = len(cols)
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	_ = w.Write(append(append([]string{}, cols...), "id", "pred_label", "pred_score"))
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		edu, err1 := strconv.Atoi(rec[4])
		gain, err2 := strconv.Atoi(rec[10])
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		label := "<=50K"
		if edu >= 13 || gain > 5000 {
			label = ">50K"
		}
		score := math.Min(1, float64(edu)/16)
		_ = w.Write(append(rec, idPrefix+strconv.Itoa(n), label, strconv.FormatFloat(score, 'g', -1, 64)))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(dst, out.Bytes(), 0o644)
}

func adultQuery(t *testing.T, query string) (int, string, string) {
	t.Helper()
	return vigil(t, "query", "--db", adultDB(t), "--from", adultFrom, "--to", adultTo, "--query", query)
}

func TestGateFailsOnEmptySeries(t *testing.T) {
	db := adultDB(t)
	// Disparate impact without "favorable": the default "1" is never
	// predicted, so every point is null.
	noFavorable := `{"queryType":"fairness","model":"adult","environment":"production","interval":"1d",` +
		`"fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"]}}`
	code, out, errOut := vigil(t, "gate", "--db", db, "--from", adultFrom, "--to", adultTo, "--query", noFavorable, "--min", "0.8")
	if code != 3 || !strings.Contains(out, "EMPTY disparate_impact v1 production features.sex") ||
		!strings.Contains(out, "no non-null value in 1 buckets") || !strings.Contains(out, "gate failed: 1 series or queries have no value to check") ||
		!strings.Contains(out, `the favourable label "1" (the default: the query sets no fairness.favorable) occurs in no predicted label`) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", adultFrom, "--to", adultTo, "--query", noFavorable, "--min", "0.8", "--allow-empty")
	if code != 0 || !strings.Contains(out, "EMPTY (allowed) disparate_impact") || !strings.Contains(out, "gate passed: 0 series within bounds, 1 empty allowed") {
		t.Fatalf("--allow-empty: exit %d\n%s%s", code, out, errOut)
	}
	// With the favourable label the same gate checks a value: the
	// predictor's disparate impact on adult.test is 0.845.
	withFavorable := strings.Replace(noFavorable, `"reference":["Male"]`, `"reference":["Male"],"favorable":">50K"`, 1)
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", adultFrom, "--to", adultTo, "--query", withFavorable, "--min", "0.8")
	if code != 0 || !strings.Contains(out, "gate passed: 1 series within bounds") {
		t.Fatalf("with favorable: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", adultFrom, "--to", adultTo, "--query", withFavorable, "--min", "0.9")
	if code != 1 || !strings.Contains(out, "CROSSED disparate_impact v1") || !strings.Contains(out, "=0.844797") {
		t.Fatalf("with favorable: exit %d\n%s%s", code, out, errOut)
	}
	// A query that returns no series at all (a time range without records).
	code, out, errOut = vigil(t, "gate", "--db", db, "--from", "2025-01-01T00:00:00Z", "--to", "2025-01-02T00:00:00Z", "--query", withFavorable, "--min", "0.8")
	if code != 3 || !strings.Contains(out, "EMPTY query A: no series") {
		t.Fatalf("no series: exit %d\n%s%s", code, out, errOut)
	}
}

// adultNotices runs a query on the Adult store and returns its exit code,
// the notices of its frames and the values of its first series.
func adultNotices(t *testing.T, query string) (code int, notices string, values []any, errOut string) {
	t.Helper()
	code, out, errOut := adultQuery(t, query)
	var resp struct {
		Results map[string]struct {
			Frames []struct {
				Schema struct {
					Meta struct{ Notices []struct{ Text string } }
				}
				Data struct{ Values [][]any }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil && code == 0 {
		t.Fatalf("%s: %v\n%s", query, err, out)
	}
	var texts []string
	for _, r := range resp.Results {
		for i, f := range r.Frames {
			for _, n := range f.Schema.Meta.Notices {
				texts = append(texts, n.Text)
			}
			if i == 0 && len(f.Data.Values) > 1 {
				values = f.Data.Values[1]
			}
		}
	}
	return code, strings.Join(texts, "\n"), values, errOut
}

// TestAdultNoSilentAnswers is the new user's session of the issue, on UCI
// Adult: every null and every likely-wrong number says why.
func TestAdultNoSilentAnswers(t *testing.T) {
	fair := `"fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"]}`
	cases := []struct {
		name, query string
		want        []string
		null        bool
	}{
		{"disparate impact without favorable", `{"queryType":"fairness","model":"adult","environment":"production","interval":"1d",` + fair + `}`,
			[]string{`1 of 1 disparate_impact points are null`, `no record of the reference group is predicted favourable ("1") there`,
				`the favourable label "1" (the default: the query sets no fairness.favorable) occurs in no predicted label of the protected and reference groups; predicted labels: "<=50K" (11,878), ">50K" (4,403)`}, true},
		{"auc without positive", `{"queryType":"performance","model":"adult","environment":"production","interval":"1d","metric":"auc"}`,
			[]string{`1 of 1 auc points are null`, `no actual is positive ("1") there: AUC needs records of both classes`,
				`the positive label "1" (the default: the query sets no positive) occurs in no actual label of the records with actuals; actual labels: "<=50K" (12,435), ">50K" (3,846)`}, true},
		{"f1 without positive", `{"queryType":"performance","model":"adult","environment":"production","interval":"1d","metric":"f1"}`,
			[]string{`neither a prediction nor an actual is positive ("1") there, so F1 is undefined`}, true},
		{"log loss without positive", `{"queryType":"performance","model":"adult","environment":"production","interval":"1d","metric":"log_loss"}`,
			[]string{`the positive label "1" (the default: the query sets no positive) occurs in no actual label`}, false},
		{"labels that never meet", `{"queryType":"performance","model":"adult-nomap","environment":"production","interval":"1d","metric":"accuracy"}`,
			[]string{`the predicted labels ("<=50K" (11,878), ">50K" (4,403)) and the actual labels ("<=50K." (12,435), ">50K." (3,846)) never meet`,
				`vigil ingest --label-map '{"<=50K.":"<=50K",">50K.":">50K"}'`}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, notices, values, errOut := adultNotices(t, c.query)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(notices, w) {
					t.Errorf("notices lack %q:\n%s", w, notices)
				}
			}
			if len(values) != 1 || (values[0] == nil) != c.null {
				t.Errorf("values %v, want one value, null=%v", values, c.null)
			}
		})
	}
	// With the options set, the same queries give values and no warning.
	for _, q := range []string{
		`{"queryType":"fairness","model":"adult","environment":"production","interval":"1d","fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"],"favorable":">50K"}}`,
		`{"queryType":"performance","model":"adult","environment":"production","interval":"1d","metric":"auc","positive":">50K"}`,
	} {
		code, notices, values, errOut := adultNotices(t, q)
		if code != 0 || len(values) != 1 || values[0] == nil || strings.Contains(notices, "null") || strings.Contains(notices, "occurs in no") {
			t.Errorf("%s: exit %d %s values %v notices:\n%s", q, code, errOut, values, notices)
		}
	}
}

func TestAdultQueryMistakesAreErrors(t *testing.T) {
	cases := []struct{ query, want string }{
		{`{"queryType":"drift","model":"adult","environment":"production","feature":["age"]}`, `query option "feature": is not a Vigil query option; did you mean features?`},
		{`{"queryType":"fairness","model":"adult","positive":">50K","fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"],"favorable":">50K"}}`,
			`query option "positive": does not apply to fairness queries (it is read by performance`},
		{`{"queryType":"performance","model":"adult","environment":"prod"}`, `query option "environment": "prod" is not an environment of model "adult"; its environments: production, training`},
		{`{"queryType":"performance","model":"adult","versions":["v2"]}`, `query option "versions[0]": "v2" is not a version of model "adult"; its versions: v1`},
	}
	for _, c := range cases {
		code, out, errOut := adultQuery(t, c.query)
		if code != 1 || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%s: exit %d; want %q in\n%s%s", c.query, code, c.want, out, errOut)
		}
	}
}

func TestIngestNDJSONStrict(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "n.duckdb")
	bad := filepath.Join(dir, "bad.ndjson")
	_ = os.WriteFile(bad, []byte(`{"model":"m","version":"v1","id":"1","timestamp":"2026-11-01T00:00:00Z","features":{"city":"Zurich"}}`+"\n"+
		`{"model":"m","version":"v1","id":"2","timestamp":"2026-11-01T00:00:00Z","features":{"city":"Z`+"\xfc"+`rich"}}`+"\n"), 0o644)
	code, out, errOut := vigil(t, "ingest", "--db", db, bad)
	if code != 1 || !strings.Contains(errOut, "line 2") || !strings.Contains(errOut, "features.city") || !strings.Contains(errOut, "is not valid UTF-8") {
		t.Fatalf("invalid UTF-8: exit %d\n%s%s", code, out, errOut)
	}
	// Nothing of the batch was stored.
	code, out, _ = vigil(t, "query", "--db", db, "--from", "2026-10-01T00:00:00Z", "--to", "2026-12-01T00:00:00Z", "--query", `{"queryType":"models"}`)
	if code != 0 || strings.Contains(out, `"m"`) {
		t.Fatalf("after a rejected batch: exit %d %s", code, out)
	}

	// Records without version, environment or timestamp take the flags'.
	plain := filepath.Join(dir, "plain.ndjson")
	_ = os.WriteFile(plain, []byte(`{"model":"m","id":"1","features":{"age":30},"prediction":{"label":">50K"},"actual":{"label":">50K."}}`+"\n"+
		`{"model":"m","id":"2","version":"v2","features":{"age":40},"prediction":{"label":"<=50K"},"actual":{"label":"<=50K."}}`+"\n"), 0o644)
	code, out, errOut = vigil(t, "ingest", "--db", db, plain)
	if code != 1 || !strings.Contains(errOut, `line 1`) || !strings.Contains(errOut, `version`) {
		t.Fatalf("without --version: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = vigil(t, "ingest", "--db", db, "--version", "v1", "--environment", "training", "--timestamp", "2026-11-01T06:00:00Z",
		"--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`, plain)
	if code != 0 || !strings.Contains(out, "2 records accepted") {
		t.Fatalf("with defaults: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = vigil(t, "query", "--db", db, "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-02T00:00:00Z",
		"--query", `{"queryType":"performance","model":"m","environment":"training","metric":"accuracy","interval":"1d"}`)
	if code != 0 || !strings.Contains(out, `"version": "v1"`) || !strings.Contains(out, `"version": "v2"`) || strings.Contains(out, "never meet") {
		t.Fatalf("query after defaults: exit %d\n%s%s", code, out, errOut)
	}
	// Column flags do not apply to NDJSON.
	for _, flag := range [][]string{{"--feature-cols", "age"}, {"--version-col", "v"}, {"--null-values", "?"}, {"--skip-lines", "1"}} {
		code, _, errOut = vigil(t, append(append([]string{"ingest", "--db", db}, flag...), plain)...)
		if code != 2 || !strings.Contains(errOut, flag[0]+" is about CSV or Parquet columns and does not apply to NDJSON") {
			t.Errorf("%v: exit %d %s", flag, code, errOut)
		}
	}
}
