//go:build realdata

package realdata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// healthExpected is what health_expected.py prints.
type healthExpected struct {
	Counts        map[string]int      `json:"counts"`
	DataQuality   map[string]float64  `json:"data_quality"`
	NewCategories map[string][]string `json:"new_categories"`
	NewReverse    map[string]float64  `json:"new_category_rate_data_vs_test"`
	Estimated     map[string]float64  `json:"estimated"`
	Realized      map[string]float64  `json:"realized"`
	Trace         struct {
		Overall  float64 `json:"overall"`
		Records  int64   `json:"records"`
		Segments []struct {
			Feature      string   `json:"feature"`
			Value        string   `json:"value"`
			Count        int64    `json:"count"`
			Metric       float64  `json:"metric"`
			Contribution *float64 `json:"contribution"`
			TooSmall     bool     `json:"too_small"`
		} `json:"segments"`
	} `json:"trace"`
}

// TestHealthAdult checks data quality, estimated performance and the
// performance trace on UCI Adult with a scikit-learn logistic regression's
// scores (health_expected.py trains it and computes the expected values).
func TestHealthAdult(t *testing.T) {
	python := referencePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()

	type built struct {
		bin string
	}
	binDone := make(chan built, 1)
	go func() { binDone <- built{buildVigil(t, ctx, dir)} }()

	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "health_expected.py", dataDir, dir)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("health_expected.py: %v\n%s", err, errb.String())
	}
	var exp healthExpected
	if err := json.Unmarshal(out.Bytes(), &exp); err != nil {
		t.Fatalf("health_expected.py printed no JSON: %v", err)
	}
	v := &vigil{bin: (<-binDone).bin, db: filepath.Join(dir, "health.duckdb")}
	rows := exp.Counts["training"] + exp.Counts["validation"] + exp.Counts["production"]
	v.ingest(t, ctx, rows, "--model", "adult", "--version", "v1", "--id-col", "id", "--environment-col", "env", "--timestamp-col", "time",
		"--prediction-label-col", "pred_label", "--prediction-score-col", "pred_score", "--actual-label-col", "income",
		"--feature-cols", strings.Join(adultColumns[:len(adultColumns)-1], ","), "--null-values", "?",
		filepath.Join(dir, "adult_scored.csv"))

	from, to := mustTime(t, adultProductionTime), mustTime(t, adultProductionEnd)
	got := map[string]*float64{}
	// Data quality of production (the query's range holds adult.test only)
	// against a window holding all of adult.data.
	reference := fmt.Sprintf(`"reference":{"type":"window","from":%q,"to":%q}`, adultTrainingTime, adultProductionTime)
	var qs []namedQuery
	for _, m := range []string{"missing_rate", "out_of_range_rate", "new_category_rate"} {
		qs = append(qs, namedQuery{"dq", fmt.Sprintf(`{"queryType":"dataQuality","model":"adult","metric":%q,%s}`, m, reference)})
	}
	for _, m := range []string{"accuracy", "f1", "auc"} {
		qs = append(qs, namedQuery{"estimated", fmt.Sprintf(`{"queryType":"estimatedPerformance","model":"adult","environment":"production","metric":%q,"positive":%q}`, m, adultPositive)})
		qs = append(qs, namedQuery{"realized", fmt.Sprintf(`{"queryType":"performance","model":"adult","environment":"production","metric":%q,"positive":%q}`, m, adultPositive)})
	}
	frames := v.query(t, ctx, from, to, got, qs...)
	for _, f := range frames["estimated"] {
		if c := f.Schema.Meta.Custom["referenceRecords"]; c != float64(exp.Counts["validation"]) {
			t.Errorf("the calibration read %v reference records, want the %d validation rows", c, exp.Counts["validation"])
		}
	}

	// The other way round: adult.data as the current data, adult.test as the reference.
	v.query(t, ctx, mustTime(t, adultTrainingTime), from, got, namedQuery{"reverse", fmt.Sprintf(
		`{"queryType":"dataQuality","model":"adult","metric":"new_category_rate","reference":{"type":"window","from":%q,"to":%q}}`, adultProductionTime, adultProductionEnd)})

	// got keys are prefix/feature/metric; expected keys metric/feature.
	dq := map[string]*float64{}
	for k, x := range exp.DataQuality {
		parts := strings.SplitN(k, "/", 2)
		dq["dq/"+parts[1]+"/"+parts[0]] = ptr(x)
	}
	for c, x := range exp.NewReverse {
		dq["reverse/"+c+"/new_category_rate"] = ptr(x)
	}
	if r := exp.NewReverse["native-country"]; r == 0 {
		t.Errorf("adult.data should have a native-country absent from adult.test")
	}
	for m, x := range exp.Estimated {
		dq["estimated/"+m] = ptr(x)
		dq["realized/"+m] = ptr(exp.Realized[m])
	}
	compare(t, dq, got)
	for m := range exp.Estimated {
		e, r := got["estimated/"+m], got["realized/"+m]
		if e == nil || r == nil || absDiff(*e, *r) > 0.02 {
			t.Errorf("estimated %s %s is not within 0.02 of the realized %s", m, show(e), show(r))
		} else {
			t.Logf("%s: estimated %.6f, realized %.6f (difference %.4f)", m, *e, *r, *e-*r)
		}
	}
	nannymlComparison(t, ctx, filepath.Join(dir, "adult_scored.csv"), got)
	for c, cats := range exp.NewCategories {
		if len(cats) > 0 {
			t.Logf("%s: categories of adult.test absent from adult.data: %v", c, cats)
		}
	}

	// Performance trace of accuracy over education, occupation, relationship.
	query := fmt.Sprintf(`{"refId":"T","queryType":"performanceTrace","model":"adult","environment":"production","metric":"accuracy","positive":%q,`+
		`"features":["education","occupation","relationship"],"minCount":30}`, adultPositive)
	raw, errOut, err := v.run(ctx, "query", "--db", v.db, "--from", adultProductionTime, "--to", adultProductionEnd, "--query", query)
	if err != nil {
		t.Fatalf("vigil query: %v\n%s\n%s", err, errOut, raw)
	}
	fr := firstFrame(t, raw, "T")
	cols := map[string]json.RawMessage{}
	for i, f := range fr.Schema.Fields {
		cols[f.Name] = fr.Data.Values[i]
	}
	var features, values []string
	var counts []int64
	var metric, contribution []*float64
	var small []bool
	for name, dst := range map[string]any{"feature": &features, "value": &values, "count": &counts, "metric": &metric, "contribution": &contribution, "too_small": &small} {
		if err := json.Unmarshal(cols[name], dst); err != nil {
			t.Fatalf("column %s: %v", name, err)
		}
	}
	if o, _ := fr.Schema.Meta.Custom["overall"].(float64); relErr(o, exp.Trace.Overall) > statTolerance {
		t.Errorf("overall accuracy: vigil %v, pandas %v", o, exp.Trace.Overall)
	}
	if n, _ := fr.Schema.Meta.Custom["recordsWithActuals"].(float64); int64(n) != exp.Trace.Records {
		t.Errorf("records with actuals: vigil %v, pandas %d", n, exp.Trace.Records)
	}
	if len(features) != len(exp.Trace.Segments) {
		t.Fatalf("vigil answered %d segments, pandas %d", len(features), len(exp.Trace.Segments))
	}
	byKey := map[string]int{}
	for i, s := range exp.Trace.Segments {
		byKey[s.Feature+"="+s.Value] = i
	}
	prevSmall, prev := false, 1e300
	for i := range features {
		j, ok := byKey[features[i]+"="+values[i]]
		if !ok {
			t.Errorf("%s=%s: vigil answered a segment pandas does not have", features[i], values[i])
			continue
		}
		w := exp.Trace.Segments[j]
		if counts[i] != w.Count || small[i] != w.TooSmall || metric[i] == nil || relErr(*metric[i], w.Metric) > statTolerance ||
			(contribution[i] == nil) != (w.Contribution == nil) || (w.Contribution != nil && relErr(*contribution[i], *w.Contribution) > statTolerance) {
			t.Errorf("%s=%s: vigil count %d metric %s contribution %s small %v; pandas %d %v %s %v", features[i], values[i],
				counts[i], show(metric[i]), show(contribution[i]), small[i], w.Count, w.Metric, show(w.Contribution), w.TooSmall)
		}
		// Ranked segments first, by pandas' contribution, non-increasing.
		if prevSmall && !small[i] {
			t.Errorf("%s=%s: a ranked segment after a too-small one", features[i], values[i])
		}
		if small[i] != prevSmall {
			prev = 1e300
		}
		if w.Contribution != nil && *w.Contribution > prev+1e-12 {
			t.Errorf("%s=%s: ranked after a smaller contribution", features[i], values[i])
		}
		if w.Contribution != nil {
			prev = *w.Contribution
		}
		prevSmall = small[i]
	}
	t.Logf("performance trace: %d segments; first %s=%s (accuracy %s, contribution %s)", len(features), features[0], values[0], show(metric[0]), show(contribution[0]))
}

func ptr(x float64) *float64 { return &x }

func absDiff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// nannymlComparison runs NannyML's CBPE on the same scores when
// VIGIL_NANNYML_PYTHON names a Python with requirements-nannyml.txt: CBPE
// calibrates with isotonic regression too and estimates the same expected
// confusion counts, so accuracy and F1 agree within 1e-9; its ROC AUC is a
// trapezoid over estimated TPR/FPR points, within 1e-6 of the weighted AUC
// (README.md).
func nannymlComparison(t *testing.T, ctx context.Context, scored string, got map[string]*float64) {
	t.Helper()
	python := os.Getenv("VIGIL_NANNYML_PYTHON")
	if python == "" {
		t.Log("NannyML comparison not run: set VIGIL_NANNYML_PYTHON to a Python with tests/realdata/requirements-nannyml.txt")
		return
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "nannyml_compare.py", scored)
	cmd.Env = append(os.Environ(), "NML_DISABLE_USAGE_LOGGING=1")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("nannyml_compare.py: %v\n%s", err, errb.String())
	}
	var cbpe map[string]float64
	if err := json.Unmarshal(out.Bytes(), &cbpe); err != nil {
		t.Fatalf("nannyml_compare.py printed no JSON: %v\n%s", err, out.String())
	}
	for m, tol := range map[string]float64{"accuracy": 1e-9, "f1": 1e-9, "auc": 1e-6} {
		v := got["estimated/"+m]
		c, ok := cbpe[m]
		if v == nil || !ok || relErr(*v, c) > tol {
			t.Errorf("estimated %s: vigil %s, NannyML CBPE %v (tolerance %g)", m, show(v), c, tol)
			continue
		}
		t.Logf("estimated %s: vigil %.12f, NannyML CBPE %.12f (relative difference %.2g)", m, *v, c, relErr(*v, c))
	}
}
