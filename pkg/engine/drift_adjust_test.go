package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// driftAdjustedCase is the drift_adjusted golden case (golden/README.md).
type driftAdjustedCase struct {
	Name      string                        `json:"name"`
	Kind      string                        `json:"kind"`
	Features  []string                      `json:"features"`
	Reference map[string][]*float64         `json:"reference"`
	Current   map[string][]*float64         `json:"current"`
	Expected  map[string]map[string]float64 `json:"expected"`
}

func loadDriftAdjusted(t *testing.T) driftAdjustedCase {
	t.Helper()
	raw, err := os.ReadFile("../../../shared/golden/metrics-2.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, rc := range file.Cases {
		var head struct{ Kind string }
		if err := json.Unmarshal(rc, &head); err != nil {
			t.Fatal(err)
		}
		if head.Kind == "drift_adjusted" {
			var c driftAdjustedCase
			if err := json.Unmarshal(rc, &c); err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatal("no drift_adjusted golden case")
	return driftAdjustedCase{}
}

// records stores one record per row with every feature: the reference in
// training a month back, the current rows in production in the first hour
// (version v1) and again in the second hour (version v2, current values
// shifted by +0.5 in f1 only, so the two families differ).
func (c driftAdjustedCase) records() []store.Record {
	var out []store.Record
	add := func(values map[string][]*float64, env, version string, at time.Time, shift string) {
		n := len(values[c.Features[0]])
		for i := 0; i < n; i++ {
			r := store.Record{Line: len(out) + 1, Model: "m", ID: fmt.Sprintf("a%d", len(out)), Version: version, Environment: env,
				Time: at.Add(time.Duration(i) * time.Second)}
			for _, f := range c.Features {
				v := store.Value{Kind: store.Missing}
				if p := values[f][i]; p != nil {
					x := *p
					if f == shift {
						x += 0.5
					}
					v = store.Num(x)
				}
				r.Features = append(r.Features, store.Feature{Name: f, Value: v})
			}
			out = append(out, r)
		}
	}
	add(c.Reference, "training", "v1", driftT0.Add(-30*24*time.Hour), "")
	add(c.Current, "production", "v1", driftT0, "")
	add(c.Current, "production", "v2", driftT0.Add(time.Hour), "f1")
	return out
}

func TestDriftAdjustGolden(t *testing.T) {
	c := loadDriftAdjusted(t)
	e, _ := testEngine(t, Limits{}, time.Time{}, c.records())
	query := func(adjust string) string {
		feats, _ := json.Marshal(c.Features)
		extra := ""
		if adjust != "" {
			extra = fmt.Sprintf(`,"adjust":%q`, adjust)
		}
		return fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":%s,"metric":"ks_pvalue",
			"reference":{"type":"environment","environment":"training"},"interval":"1h"%s}`, feats, extra)
	}
	raw := mustQuery(t, e, driftT0, driftT0.Add(2*time.Hour), query(""))
	rawP := map[string]map[string]metrics.Optional{} // version → feature → p
	for _, s := range raw.Series {
		l := labelMap(s)
		if rawP[l["version"]] == nil {
			rawP[l["version"]] = map[string]metrics.Optional{}
		}
		rawP[l["version"]][l["feature"]] = s.Points[0].Value
	}
	for _, f := range c.Features {
		checkOptionalTol(t, "v1 raw "+f, rawP["v1"][f], c.Expected["ks_pvalue"][f], 1e-6)
	}
	for _, method := range []string{"bh", "bonferroni"} {
		t.Run(method, func(t *testing.T) {
			res := mustQuery(t, e, driftT0, driftT0.Add(2*time.Hour), query(method))
			if len(res.Series) != 2*len(c.Features) {
				t.Fatalf("want a series per (version, feature): %s", driftDescribe(res))
			}
			for _, s := range res.Series {
				l := labelMap(s)
				if l["adjust"] != method || len(s.Points) != 1 {
					t.Fatalf("series %q labels %v points %d", s.Name, s.Labels, len(s.Points))
				}
				got := s.Points[0].Value
				switch l["version"] {
				case "v1":
					// The golden family: the five features in one bucket.
					checkOptionalTol(t, "v1 "+l["feature"], got, c.Expected[method][l["feature"]], 1e-6)
				case "v2":
					// v2's family is its own bucket's p-values (f1 shifted), adjusted
					// by the metrics package from the unadjusted query's values.
					var fam []metrics.Optional
					idx := -1
					for i, f := range c.Features {
						fam = append(fam, rawP["v2"][f])
						if f == l["feature"] {
							idx = i
						}
					}
					want, err := metrics.AdjustPValues(fam, metrics.Adjustment(method))
					if err != nil {
						t.Fatal(err)
					}
					w, _ := want[idx].Get()
					checkOptionalTol(t, "v2 "+l["feature"], got, w, 1e-12)
				}
			}
			if !driftHasNotice(res, "p-values adjusted", "across the 5 features in each bucket and version") || res.Meta["adjust"] != method {
				t.Errorf("notices: %s meta %v", driftDescribe(res), res.Meta)
			}
		})
	}
	// v2's f1 moved, so its family differs from v1's: the bh value of f4
	// there must differ from v1's (a check that families are per bucket).
	res := mustQuery(t, e, driftT0, driftT0.Add(2*time.Hour), query("bh"))
	var v1f4, v2f4 float64
	for _, s := range res.Series {
		l := labelMap(s)
		if l["feature"] == "f4" {
			v, _ := s.Points[0].Value.Get()
			if l["version"] == "v1" {
				v1f4 = v
			} else {
				v2f4 = v
			}
		}
	}
	if v1f4 == v2f4 {
		t.Errorf("f4 BH p-value is %v in both families; the v2 family has a different f1", v1f4)
	}
}

func checkOptionalTol(t *testing.T, what string, got metrics.Optional, want, tol float64) {
	t.Helper()
	v, ok := got.Get()
	if !ok || math.Abs(v-want) > tol*math.Max(math.Abs(want), 1e-300) {
		t.Errorf("%s = %v, want %.17g", what, got, want)
	}
}

func TestDriftAdjustOneFeature(t *testing.T) {
	c := loadDriftAdjusted(t)
	e, _ := testEngine(t, Limits{}, time.Time{}, c.records())
	res := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), `{"queryType":"drift","model":"m","environment":"production","features":["f3"],"metric":"ks_pvalue","adjust":"bonferroni","interval":"1h"}`)
	checkOptionalTol(t, "f3", onlyPoint(t, res), c.Expected["ks_pvalue"]["f3"], 1e-6)
	if !driftHasNotice(res, "one feature", "leaves them unchanged") {
		t.Errorf("notices: %s", driftDescribe(res))
	}
}
