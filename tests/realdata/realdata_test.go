//go:build realdata

// Package realdata checks Vigil's numbers on two public data sets, UCI Adult
// and UCI Bike Sharing, against values that expected.py computes independently
// with NumPy, SciPy, scikit-learn and pandas from the raw files.
//
// The test derives CSV files with the documented predictors (README.md),
// ingests them with the vigil command, asks vigil query for each number, and
// compares. Run it with
//
//	VIGIL_PYTHON=/path/to/venv/bin/python go test -count=1 -tags realdata,duckdb_arrow ./tests/realdata/...
//
// where the Python environment has requirements.txt installed.
package realdata

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dataDir holds adult/ and bike_sharing/ (the project's shared data beside the repository).
const dataDir = "../../../shared/data"

// Tolerances: relative, for statistics and for p-values (METRICS.md).
const (
	statTolerance   = 1e-9
	pvalueTolerance = 1e-6
)

var adultColumns = []string{"age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
	"occupation", "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
	"native-country", "income"}

// The Adult predictor's labels: favourable and positive is ">50K".
const (
	adultPositive = ">50K"
	adultNegative = "<=50K"
)

// Adult's records carry one time per environment, so each query range holds one bucket.
const (
	adultTrainingTime   = "2026-11-01T00:00:00Z"
	adultProductionTime = "2026-11-02T00:00:00Z"
	adultProductionEnd  = "2026-11-03T00:00:00Z"
)

// The bike drift reference: January 2011, a fixed window.
const bikeReference = `{"type":"window","from":"2011-01-01T00:00:00Z","to":"2011-02-01T00:00:00Z"}`

// referencePython is the Python with tests/realdata/requirements.txt that
// computes the expected values (VIGIL_PYTHON); the test fails without it.
func referencePython(t *testing.T) string {
	t.Helper()
	python := os.Getenv("VIGIL_PYTHON")
	if python == "" {
		t.Fatal("VIGIL_PYTHON is not set: the realdata tag needs a Python with tests/realdata/requirements.txt installed " +
			"(scripts/test.sh makes one); run VIGIL_PYTHON=VENV/bin/python go test -tags realdata,duckdb_arrow ./tests/realdata/...")
	}
	return python
}

func TestRealData(t *testing.T) {
	python := referencePython(t)
	for _, f := range []string{"adult/adult.data", "adult/adult.test", "bike_sharing/hour.csv"} {
		if _, err := os.Stat(filepath.Join(dataDir, f)); err != nil {
			t.Fatalf("the real data is missing: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// The expected values are computed while Vigil is built and fed.
	type pyResult struct {
		exp *expected
		err error
		dur time.Duration
	}
	pyDone := make(chan pyResult, 1)
	go func() {
		start := time.Now()
		exp, err := runExpected(ctx, python)
		pyDone <- pyResult{exp, err, time.Since(start)}
	}()

	start := time.Now()
	v := &vigil{bin: buildVigil(t, ctx, dir), db: filepath.Join(dir, "real.duckdb")}
	t.Logf("built vigil in %s", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	trainCSV := filepath.Join(dir, "adult_training.csv")
	prodCSV := filepath.Join(dir, "adult_production.csv")
	bikeCSV := filepath.Join(dir, "bike.csv")
	nTrain := deriveAdult(t, filepath.Join(dataDir, "adult/adult.data"), 0, "training-", trainCSV)
	nProd := deriveAdult(t, filepath.Join(dataDir, "adult/adult.test"), 1, "production-", prodCSV)
	nBike := deriveBike(t, filepath.Join(dataDir, "bike_sharing/hour.csv"), bikeCSV)
	t.Logf("derived the CSV files in %s", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	adultFeatures := strings.Join(adultColumns[:len(adultColumns)-1], ",")
	adultFlags := []string{"--model", "adult", "--version", "v1", "--id-col", "id",
		"--prediction-label-col", "pred_label", "--prediction-score-col", "pred_score", "--actual-label-col", "income",
		"--feature-cols", adultFeatures, "--null-values", "?", "--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`}
	v.ingest(t, ctx, nTrain, append(adultFlags, "--environment", "training", "--timestamp", adultTrainingTime, trainCSV)...)
	v.ingest(t, ctx, nProd, append(adultFlags, "--environment", "production", "--timestamp", adultProductionTime, prodCSV)...)
	v.ingest(t, ctx, nBike, "--model", "bike", "--version", "v1", "--environment", "production", "--id-col", "id",
		"--timestamp-col", "dteday+hr", "--prediction-value-col", "pred", "--actual-value-col", "cnt",
		"--feature-cols", "temp,hum,windspeed", bikeCSV)
	t.Logf("ingested %d + %d Adult and %d Bike Sharing records in %s", nTrain, nProd, nBike, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	got := map[string]*float64{}
	meta := map[string]float64{}
	adultQueries(t, ctx, v, got, meta)
	bikeQueries(t, ctx, v, got, meta)
	t.Logf("ran the queries in %s", time.Since(start).Round(time.Millisecond))

	py := <-pyDone
	if py.err != nil {
		t.Fatalf("expected.py: %v", py.err)
	}
	t.Logf("expected.py answered in %s", py.dur.Round(time.Millisecond))
	exp := py.exp

	// The data both sides read must be the same.
	wantCounts := map[string]int{"adult/training": nTrain, "adult/production": nProd, "bike/rows": nBike}
	for k, n := range wantCounts {
		if exp.Counts[k] != n {
			t.Errorf("%s: expected.py read %d rows, the Go derivation %d", k, exp.Counts[k], n)
		}
	}
	// Record counts: every count expected.py gives but the raw row count must be
	// one vigil reported (reference records, records with actuals, traffic per month).
	for k := range exp.Counts {
		if _, ok := meta[k]; !ok && k != "bike/rows" {
			t.Errorf("%s: vigil reported no record count", k)
		}
	}
	countKeys := make([]string, 0, len(meta))
	for k, n := range meta {
		want, ok := exp.Counts[k]
		if !ok || float64(want) != n {
			t.Errorf("%s: vigil counted %v records, expected.py %d", k, n, want)
		}
		countKeys = append(countKeys, fmt.Sprintf("%s=%v", k, n))
	}
	sort.Strings(countKeys)
	t.Logf("record counts vigil reported: %s", strings.Join(countKeys, " "))
	compare(t, exp.Values, got)
}

// ---------------------------------------------------------------- derivation

// deriveAdult writes one Adult file as a CSV with a header, an id (prefix +
// row number), and the documented predictor: ">50K" when education-num ≥ 13 or
// capital-gain > 5000, else "<=50K"; score = min(1, education-num / 16). Cells
// are copied trimmed; "?" and the test file's "<=50K." stay as they are for
// vigil's --null-values and --label-map.
func deriveAdult(t *testing.T, src string, skip int, idPrefix, dst string) int {
	t.Helper()
	in, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	text := string(in)
	for i := 0; i < skip; i++ {
		_, text, _ = strings.Cut(text, "\n")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = len(adultColumns)
	col := func(name string) int {
		for i, c := range adultColumns {
			if c == name {
				return i
			}
		}
		t.Fatalf("no Adult column %q", name)
		return -1
	}
	eduCol, gainCol := col("education-num"), col("capital-gain")

	var out bytes.Buffer
	w := csv.NewWriter(&out)
	_ = w.Write(append(append([]string{}, adultColumns...), "id", "pred_label", "pred_score"))
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		n++
		edu, err1 := strconv.Atoi(rec[eduCol])
		gain, err2 := strconv.Atoi(rec[gainCol])
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("%s row %d: %v", src, n, err)
		}
		label := adultNegative
		if edu >= 13 || gain > 5000 {
			label = adultPositive
		}
		score := math.Min(1, float64(edu)/16)
		_ = w.Write(append(rec, idPrefix+strconv.Itoa(n), label, strconv.FormatFloat(score, 'g', -1, 64)))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// deriveBike writes hour.csv with an id (row number) and the documented
// predictor: pred = the mean cnt of the same hour of day over the 2011 rows.
func deriveBike(t *testing.T, src, dst string) int {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	header, rows := rows[0], rows[1:]
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	for _, c := range []string{"dteday", "hr", "cnt"} {
		if _, ok := idx[c]; !ok {
			t.Fatalf("%s has no column %q", src, c)
		}
	}
	atoi := func(row []string, c string) int {
		x, err := strconv.Atoi(row[idx[c]])
		if err != nil {
			t.Fatalf("%s: %s: %v", src, c, err)
		}
		return x
	}
	var sum, count [24]int64
	for _, row := range rows {
		if strings.HasPrefix(row[idx["dteday"]], "2011-") {
			h := atoi(row, "hr")
			sum[h] += int64(atoi(row, "cnt"))
			count[h]++
		}
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	_ = w.Write(append(append([]string{}, header...), "id", "pred"))
	for i, row := range rows {
		h := atoi(row, "hr")
		if count[h] == 0 {
			t.Fatalf("no 2011 rows at hour %d", h)
		}
		pred := float64(sum[h]) / float64(count[h])
		_ = w.Write(append(append([]string{}, row...), strconv.Itoa(i+1), strconv.FormatFloat(pred, 'g', -1, 64)))
	}
	w.Flush()
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// ---------------------------------------------------------------- the vigil command

type vigil struct{ bin, db string }

// buildVigil builds the command once into dir.
func buildVigil(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build vigil: %v", err)
	}
	bin := filepath.Join(dir, "vigil")
	cmd := exec.CommandContext(ctx, goTool, "build", "-tags", "duckdb_arrow", "-o", bin, "github.com/vigil-mlobs/vigil/pkg/cmd/vigil")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build vigil: %v\n%s", err, out)
	}
	return bin
}

func (v *vigil) run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, v.bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func (v *vigil) ingest(t *testing.T, ctx context.Context, rows int, args ...string) {
	t.Helper()
	out, errOut, err := v.run(ctx, append([]string{"ingest", "--db", v.db, "--format", "csv"}, args...)...)
	if err != nil {
		t.Fatalf("vigil ingest %s: %v\n%s%s", args[len(args)-1], err, out, errOut)
	}
	want := fmt.Sprintf("%d records accepted (%d new inferences", rows, rows)
	if !strings.Contains(out, want) {
		t.Fatalf("vigil ingest %s: %q, want %q", filepath.Base(args[len(args)-1]), strings.TrimSpace(out), want)
	}
}

// namedQuery is one query whose series become values named prefix/feature/metric/group.
type namedQuery struct {
	prefix string
	json   string
}

type seriesJSON struct {
	Schema frameSchema `json:"schema"`
	Data   struct {
		Values [][]*float64 `json:"values"`
	} `json:"data"`
}

// query runs the queries over [from, to) in one vigil call; every series must
// hold exactly one bucket. Values go to got; it returns the frames by prefix.
func (v *vigil) query(t *testing.T, ctx context.Context, from, to time.Time, got map[string]*float64, qs ...namedQuery) map[string][]seriesJSON {
	t.Helper()
	interval := oneBucket(from, to)
	list := make([]string, len(qs))
	for i, q := range qs {
		list[i] = fmt.Sprintf(`{"refId":"Q%d","interval":%q,%s`, i, interval, strings.TrimPrefix(strings.TrimSpace(q.json), "{"))
	}
	out, errOut, err := v.run(ctx, "query", "--db", v.db, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339),
		"--query", "["+strings.Join(list, ",")+"]")
	if err != nil {
		t.Fatalf("vigil query %s … %s: %v\n%s\n%s", from.Format(time.RFC3339), to.Format(time.RFC3339), err, errOut, out)
	}
	var resp struct {
		Results map[string]struct {
			Status int          `json:"status"`
			Error  string       `json:"error"`
			Frames []seriesJSON `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("vigil query: %v\n%s", err, out)
	}
	frames := map[string][]seriesJSON{}
	for i, q := range qs {
		r, ok := resp.Results[fmt.Sprintf("Q%d", i)]
		if !ok || r.Error != "" || len(r.Frames) == 0 {
			t.Fatalf("query %s: no series (error %q)", q.json, r.Error)
		}
		frames[q.prefix] = append(frames[q.prefix], r.Frames...)
		for _, f := range r.Frames {
			for _, k := range []string{"approximate", "approximateEdges"} {
				if x := f.Schema.Meta.Custom[k]; x != nil && x != false {
					t.Errorf("query %s: series %q is approximate (%s = %v); the data is far below the exact-value limit", q.json, f.Schema.Name, k, x)
				}
			}
			if len(f.Schema.Fields) != 2 || len(f.Data.Values) != 2 {
				t.Fatalf("query %s: frame %q is not a time series", q.json, f.Schema.Name)
			}
			if n := len(f.Data.Values[1]); n != 1 {
				t.Fatalf("query %s: series %q has %d buckets over %s … %s with interval %s, want 1",
					q.json, f.Schema.Name, n, from.Format(time.RFC3339), to.Format(time.RFC3339), interval)
			}
			labels := f.Schema.Fields[1].Labels
			key := q.prefix
			for _, l := range []string{"feature", "metric", "group", "bound"} {
				if labels[l] != "" {
					key += "/" + labels[l]
				}
			}
			if _, dup := got[key]; dup {
				t.Fatalf("two series answer %s", key)
			}
			got[key] = f.Data.Values[1][0]
		}
	}
	return frames
}

// oneBucket returns the shortest whole-day interval whose single bucket holds
// [from, to): buckets start at multiples of the interval since the epoch
// (DESIGN §4), so a month-long interval would straddle two buckets.
func oneBucket(from, to time.Time) string {
	const day = int64(24 * time.Hour / time.Millisecond)
	a, b := from.UnixMilli(), to.UnixMilli()-1
	for d := (b - a + day) / day; ; d++ {
		if a/(d*day) == b/(d*day) {
			return fmt.Sprintf("%dd", d)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	x, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// ---------------------------------------------------------------- the checks

var (
	allDriftMetrics    = []string{"psi", "kl", "js", "hellinger", "chi2", "chi2_pvalue", "ks", "ks_pvalue", "wasserstein", "wasserstein_norm"}
	binnedDriftMetrics = []string{"psi", "kl", "js", "hellinger", "chi2", "chi2_pvalue"}
)

// adultQueries: production (adult.test) as one bucket; drift against the
// training environment (adult.data).
func adultQueries(t *testing.T, ctx context.Context, v *vigil, got map[string]*float64, meta map[string]float64) {
	var qs []namedQuery
	fairness := fmt.Sprintf(`"fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"],"favorable":%q}`, adultPositive)
	for _, m := range []string{"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference",
		"average_odds_difference", "predictive_parity_ratio", "selection_rate"} {
		qs = append(qs, namedQuery{"adult/fairness", fmt.Sprintf(
			`{"queryType":"fairness","model":"adult","versions":["v1"],"environment":"production","metric":%q,%s}`, m, fairness)})
	}
	// Disparate impact with its 95% interval (Katz log ratio), against statsmodels.
	qs = append(qs, namedQuery{"adult/fairness_ci", fmt.Sprintf(
		`{"queryType":"fairness","model":"adult","versions":["v1"],"environment":"production","metric":"disparate_impact","confidence":0.95,%s}`, fairness)})
	for _, m := range []string{"accuracy", "precision", "recall", "f1", "auc", "log_loss"} {
		qs = append(qs, namedQuery{"adult/performance", fmt.Sprintf(
			`{"queryType":"performance","model":"adult","versions":["v1"],"environment":"production","metric":%q,"positive":%q}`, m, adultPositive)})
	}
	for _, m := range allDriftMetrics {
		features := `["age","hours-per-week"]`
		if isBinned(m) {
			features = `["age","hours-per-week","education","occupation"]`
		}
		qs = append(qs, namedQuery{"adult/drift", fmt.Sprintf(
			`{"queryType":"drift","model":"adult","versions":["v1"],"environment":"production","target":"feature","features":%s,"metric":%q,`+
				`"reference":{"type":"environment","environment":"training"},"binning":{"strategy":"quantile","bins":10}}`, features, m)})
	}
	frames := v.query(t, ctx, mustTime(t, adultProductionTime), mustTime(t, adultProductionEnd), got, qs...)
	metaOf(t, meta, "adult/training", frames["adult/drift"], "referenceRecords")
	metaOf(t, meta, "adult/production", frames["adult/performance"], "recordsWithActuals")
}

func isBinned(metric string) bool {
	for _, m := range binnedDriftMetrics {
		if m == metric {
			return true
		}
	}
	return false
}

// bikeQueries: each calendar month from February 2011 to December 2012 as one
// bucket, drift against January 2011; regression performance over 2012.
func bikeQueries(t *testing.T, ctx context.Context, v *vigil, got map[string]*float64, meta map[string]float64) {
	for m := time.Date(2011, 2, 1, 0, 0, 0, 0, time.UTC); m.Year() < 2013; m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		var qs []namedQuery
		for _, metric := range allDriftMetrics {
			qs = append(qs, namedQuery{"bike/drift/" + month, fmt.Sprintf(
				`{"queryType":"drift","model":"bike","versions":["v1"],"environment":"production","target":"feature",`+
					`"features":["temp","hum","windspeed"],"metric":%q,"reference":%s,"binning":{"strategy":"quantile","bins":10}}`, metric, bikeReference)})
		}
		qs = append(qs, namedQuery{"bike/traffic/" + month, `{"queryType":"traffic","model":"bike","metric":"count"}`})
		counts := map[string]*float64{}
		frames := v.query(t, ctx, m, m.AddDate(0, 1, 0), counts, qs...)
		for k, x := range counts {
			if strings.HasPrefix(k, "bike/traffic/") {
				if x != nil {
					meta["bike/"+month] = *x
				}
				continue
			}
			got[k] = x
		}
		metaOf(t, meta, "bike/reference", frames["bike/drift/"+month], "referenceRecords")
	}
	var qs []namedQuery
	for _, metric := range []string{"rmse", "mae", "mape", "r2"} {
		qs = append(qs, namedQuery{"bike/performance", fmt.Sprintf(
			`{"queryType":"performance","model":"bike","versions":["v1"],"environment":"production","metric":%q}`, metric)})
	}
	frames := v.query(t, ctx, time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC), got, qs...)
	metaOf(t, meta, "bike/2012", frames["bike/performance"], "recordsWithActuals")
}

// metaOf records a count the frames report in their custom metadata (a
// response carries it on its first frame) under meta[key]; the reports must
// agree with each other and with earlier queries.
func metaOf(t *testing.T, meta map[string]float64, key string, frames []seriesJSON, field string) {
	t.Helper()
	reported := false
	for _, f := range frames {
		n, ok := f.Schema.Meta.Custom[field].(float64)
		if !ok {
			continue
		}
		reported = true
		if old, seen := meta[key]; seen && old != n {
			t.Errorf("%s: frame %q reports %s %v, another %v", key, f.Schema.Name, field, n, old)
		}
		meta[key] = n
	}
	if !reported {
		t.Errorf("%s: no frame reports %s", key, field)
	}
}

// ---------------------------------------------------------------- expected values and comparison

type expected struct {
	Values map[string]*float64 `json:"values"`
	Counts map[string]int      `json:"counts"`
}

func runExpected(ctx context.Context, python string) (*expected, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "expected.py", dataDir)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s expected.py: %v\n%s", python, err, errb.String())
	}
	var exp expected
	if err := json.Unmarshal(out.Bytes(), &exp); err != nil {
		return nil, fmt.Errorf("expected.py printed no JSON: %v\n%s", err, out.String())
	}
	return &exp, nil
}

func tolerance(key string) float64 {
	if strings.HasSuffix(key, "pvalue") {
		return pvalueTolerance
	}
	return statTolerance
}

// relErr is |a−b| / max(|a|, |b|), 0 when both are 0.
func relErr(a, b float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(a), math.Abs(b))
}

func compare(t *testing.T, want, got map[string]*float64) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: vigil answered %v, expected.py has no such value", k, show(got[k]))
		}
	}
	sort.Strings(keys)
	var table strings.Builder
	fmt.Fprintf(&table, "%-44s %24s %24s %9s\n", "value", "vigil", "expected", "rel.err")
	worst := map[bool]float64{}
	failed := 0
	for _, k := range keys {
		w := want[k]
		g, present := got[k]
		status, rel := "", 0.0
		switch {
		case !present:
			status = "MISSING"
		case (w == nil) != (g == nil):
			status = "NULL MISMATCH"
		case w != nil:
			rel = relErr(*g, *w)
			if !(rel <= tolerance(k)) {
				status = fmt.Sprintf("> %g", tolerance(k))
			}
			p := strings.HasSuffix(k, "pvalue")
			worst[p] = math.Max(worst[p], rel)
		}
		if status != "" {
			failed++
			t.Errorf("%s: vigil %s, expected %s (%s)", k, show(g), show(w), status)
		}
		fmt.Fprintf(&table, "%-44s %24s %24s %9.2g %s\n", k, show(g), show(w), rel, status)
	}
	if testing.Verbose() {
		t.Logf("compared %d values:\n%s", len(keys), table.String())
	}
	t.Logf("%d values compared, %d outside tolerance; largest relative error %.3g (statistics, tolerance %g), %.3g (p-values, tolerance %g)",
		len(keys), failed, worst[false], statTolerance, worst[true], pvalueTolerance)
}

func show(x *float64) string {
	if x == nil {
		return "null"
	}
	return strconv.FormatFloat(*x, 'g', 17, 64)
}
