//go:build realdata

package realdata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// biasSegment is one segment of a bias trace, from vigil or from
// biastrace_expected.py.
type biasSegment struct {
	Feature         string   `json:"feature"`
	Value           string   `json:"value"`
	Count           int64    `json:"count"`
	ProtectedCount  int64    `json:"protected_count"`
	ReferenceCount  int64    `json:"reference_count"`
	DisparateImpact *float64 `json:"disparate_impact"`
	Contribution    *float64 `json:"contribution"`
	TooSmall        bool     `json:"too_small"`
}

// TestBiasTraceAdult traces sex (Female protected, Male reference, favourable
// ">50K") on adult.test over relationship, marital-status, occupation and
// education, and compares every segment and the ranking with pandas.
func TestBiasTraceAdult(t *testing.T) {
	python := referencePython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()

	type pyResult struct {
		out []byte
		err error
	}
	pyDone := make(chan pyResult, 1)
	go func() {
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, python, "biastrace_expected.py", dataDir)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if err != nil {
			err = fmt.Errorf("%v\n%s", err, errb.String())
		}
		pyDone <- pyResult{out.Bytes(), err}
	}()

	v := &vigil{bin: buildVigil(t, ctx, dir), db: filepath.Join(dir, "bias.duckdb")}
	prodCSV := filepath.Join(dir, "adult_production.csv")
	nProd := deriveAdult(t, filepath.Join(dataDir, "adult/adult.test"), 1, "production-", prodCSV)
	v.ingest(t, ctx, nProd, "--model", "adult", "--version", "v1", "--id-col", "id",
		"--prediction-label-col", "pred_label", "--prediction-score-col", "pred_score", "--actual-label-col", "income",
		"--feature-cols", strings.Join(adultColumns[:len(adultColumns)-1], ","), "--null-values", "?",
		"--label-map", `{">50K.":">50K","<=50K.":"<=50K"}`,
		"--environment", "production", "--timestamp", adultProductionTime, prodCSV)

	query := fmt.Sprintf(`{"refId":"B","queryType":"biasTrace","model":"adult","versions":["v1"],"environment":"production",`+
		`"features":["relationship","marital-status","occupation","education"],"minCount":30,`+
		`"fairness":{"attribute":"features.sex","protected":["Female"],"reference":["Male"],"favorable":%q}}`, adultPositive)
	out, errOut, err := v.run(ctx, "query", "--db", v.db, "--from", adultProductionTime, "--to", adultProductionEnd, "--query", query)
	if err != nil {
		t.Fatalf("vigil query: %v\n%s\n%s", err, errOut, out)
	}
	got, meta := biasTraceFrame(t, out)

	py := <-pyDone
	if py.err != nil {
		t.Fatalf("biastrace_expected.py: %v", py.err)
	}
	var exp struct {
		DisparateImpact *float64      `json:"disparate_impact"`
		Records         int64         `json:"records"`
		Segments        []biasSegment `json:"segments"`
	}
	if err := json.Unmarshal(py.out, &exp); err != nil {
		t.Fatalf("biastrace_expected.py printed no JSON: %v\n%s", err, py.out)
	}

	if n, _ := meta["records"].(float64); int64(n) != exp.Records {
		t.Errorf("records: vigil %v, pandas %d", meta["records"], exp.Records)
	}
	overall, _ := meta["disparateImpact"].(float64)
	if exp.DisparateImpact == nil || relErr(overall, *exp.DisparateImpact) > statTolerance {
		t.Errorf("overall disparate impact: vigil %v, pandas %v", meta["disparateImpact"], show(exp.DisparateImpact))
	}
	if len(got) != len(exp.Segments) {
		t.Errorf("vigil answered %d segments, pandas %d", len(got), len(exp.Segments))
	}
	want := map[string]biasSegment{}
	for _, s := range exp.Segments {
		want[s.Feature+"="+s.Value] = s
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-4s %-44s %6s %22s %22s %9s\n", "rank", "segment", "count", "contribution", "pandas", "rel.err")
	for i, g := range got {
		key := g.Feature + "=" + g.Value
		w, ok := want[key]
		if !ok {
			t.Errorf("%s: vigil answered a segment pandas does not have", key)
			continue
		}
		if g.Count != w.Count || g.ProtectedCount != w.ProtectedCount || g.ReferenceCount != w.ReferenceCount || g.TooSmall != w.TooSmall {
			t.Errorf("%s: vigil %d rows (%d Female, %d Male, too small %v), pandas %d (%d, %d, %v)", key,
				g.Count, g.ProtectedCount, g.ReferenceCount, g.TooSmall, w.Count, w.ProtectedCount, w.ReferenceCount, w.TooSmall)
		}
		for _, c := range []struct {
			name     string
			got, exp *float64
		}{{"disparate impact", g.DisparateImpact, w.DisparateImpact}, {"contribution", g.Contribution, w.Contribution}} {
			if (c.got == nil) != (c.exp == nil) || (c.got != nil && relErr(*c.got, *c.exp) > statTolerance) {
				t.Errorf("%s %s: vigil %s, pandas %s", key, c.name, show(c.got), show(c.exp))
			}
		}
		rel := 0.0
		if g.Contribution != nil && w.Contribution != nil {
			rel = relErr(*g.Contribution, *w.Contribution)
		}
		fmt.Fprintf(&table, "%-4d %-44s %6d %22s %22s %9.2g\n", i+1, key, g.Count, show(g.Contribution), show(w.Contribution), rel)
	}
	t.Logf("bias trace of sex on adult.test, overall DI %s:\n%s", show(exp.DisparateImpact), table.String())

	// The ranking: vigil's order read through pandas' contributions must be
	// ranked segments first, each part non-increasing (equal contributions
	// may come in either order), absent contributions last.
	for i := 1; i < len(got); i++ {
		a, b := want[got[i-1].Feature+"="+got[i-1].Value], want[got[i].Feature+"="+got[i].Value]
		switch {
		case a.TooSmall != b.TooSmall:
			if a.TooSmall {
				t.Errorf("rank %d: small segment %s=%s before ranked %s=%s", i, a.Feature, a.Value, b.Feature, b.Value)
			}
		case a.Contribution == nil && b.Contribution != nil:
			t.Errorf("rank %d: %s=%s without contribution before %s=%s", i, a.Feature, a.Value, b.Feature, b.Value)
		case a.Contribution != nil && b.Contribution != nil && *a.Contribution < *b.Contribution &&
			relErr(*a.Contribution, *b.Contribution) > statTolerance:
			t.Errorf("rank %d: %s=%s (%v) before %s=%s (%v)", i, a.Feature, a.Value, *a.Contribution, b.Feature, b.Value, *b.Contribution)
		}
	}
	if len(got) > 0 && len(exp.Segments) > 0 && (got[0].Feature != exp.Segments[0].Feature || got[0].Value != exp.Segments[0].Value) {
		t.Errorf("first segment: vigil %s=%s, pandas %s=%s", got[0].Feature, got[0].Value, exp.Segments[0].Feature, exp.Segments[0].Value)
	}
}

// biasTraceFrame reads the "bias trace" table frame of a vigil query answer
// into segments, in the order vigil ranked them, and its custom metadata.
func biasTraceFrame(t *testing.T, out string) ([]biasSegment, map[string]any) {
	t.Helper()
	f := firstFrame(t, out, "B")
	if f.Schema.Name != "bias trace" {
		t.Fatalf("first frame %q, want the bias trace table", f.Schema.Name)
	}
	// Re-assemble the columns into row objects keyed by field name.
	columns := map[string][]json.RawMessage{}
	n := -1
	for i, field := range f.Schema.Fields {
		var col []json.RawMessage
		if err := json.Unmarshal(f.Data.Values[i], &col); err != nil {
			t.Fatalf("column %s: %v", field.Name, err)
		}
		if n >= 0 && len(col) != n {
			t.Fatalf("column %s has %d values, others %d", field.Name, len(col), n)
		}
		n = len(col)
		columns[field.Name] = col
	}
	segs := make([]biasSegment, max(n, 0))
	for i := range segs {
		var row bytes.Buffer
		row.WriteByte('{')
		first := true
		for name, col := range columns {
			if !first {
				row.WriteByte(',')
			}
			first = false
			key, _ := json.Marshal(name)
			row.Write(key)
			row.WriteByte(':')
			row.Write(col[i])
		}
		row.WriteByte('}')
		if err := json.Unmarshal(row.Bytes(), &segs[i]); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	for _, name := range []string{"feature", "value", "count", "protected_count", "reference_count", "disparate_impact", "contribution", "too_small"} {
		if _, ok := columns[name]; !ok {
			t.Errorf("the bias trace table has no column %q", name)
		}
	}
	return segs, f.Schema.Meta.Custom
}

// frameSchema is the schema of a data frame of a vigil query answer.
type frameSchema struct {
	Name string `json:"name"`
	Meta struct {
		Custom map[string]any `json:"custom"`
	} `json:"meta"`
	Fields []struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"fields"`
}

// answerFrame is a data frame of a vigil query answer, as JSON.
type answerFrame struct {
	Schema frameSchema `json:"schema"`
	Data   struct {
		Values []json.RawMessage `json:"values"`
	} `json:"data"`
}

// firstFrame reads the first frame of query refID in a vigil query answer,
// failing the test when the query has an error or no frame.
func firstFrame(t *testing.T, out, refID string) answerFrame {
	t.Helper()
	var resp struct {
		Results map[string]struct {
			Error  string        `json:"error"`
			Frames []answerFrame `json:"frames"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("vigil query: %v\n%s", err, out)
	}
	r := resp.Results[refID]
	if r.Error != "" || len(r.Frames) == 0 {
		t.Fatalf("vigil query %s: no frames (error %q)\n%s", refID, r.Error, out)
	}
	return r.Frames[0]
}
