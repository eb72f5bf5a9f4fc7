package main

import (
	"bytes"
	"encoding/csv"
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
		!strings.Contains(out, "no non-null value in 1 buckets") || !strings.Contains(out, "gate failed: 1 series or queries have no value to check") {
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
