package metrics

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// golden2Path holds the golden cases of the later METRICS.md sections.
const golden2Path = "../../../shared/golden/metrics-2.json"

type groupCounts struct {
	N                int64 `json:"n"`
	Selected         int64 `json:"selected"`
	FavorableActuals int64 `json:"favorable_actuals"`
	TruePositives    int64 `json:"true_positives"`
}

type boundsCase struct {
	Value *float64 `json:"value"`
	Lower *float64 `json:"lower"`
	Upper *float64 `json:"upper"`
}

type uncertaintyCase struct {
	Name            string                     `json:"name"`
	Kind            string                     `json:"kind"`
	Group           []string                   `json:"group"`
	Prediction      []*string                  `json:"prediction"`
	Actual          []*string                  `json:"actual"`
	Protected       []string                   `json:"protected"`
	ReferenceGroups []string                   `json:"reference_groups"`
	Favorable       string                     `json:"favorable"`
	Alpha           float64                    `json:"alpha"`
	MinGroupSize    *int64                     `json:"min_group_size"`
	Counts          map[string]groupCounts     `json:"counts"`
	Features        []string                   `json:"features"`
	Reference       map[string][]*float64      `json:"reference"`
	Current         map[string][]*float64      `json:"current"`
	KS              map[string]float64         `json:"ks"`
	Expected        map[string]json.RawMessage `json:"expected"`
}

func loadUncertaintyGolden(t *testing.T) []uncertaintyCase {
	t.Helper()
	raw, err := os.ReadFile(golden2Path)
	if err != nil {
		t.Fatalf("reading golden cases: %v", err)
	}
	var file struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing golden cases: %v", err)
	}
	var out []uncertaintyCase
	for _, rawCase := range file.Cases {
		var kind struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(rawCase, &kind); err != nil {
			t.Fatalf("parsing a golden case: %v", err)
		}
		if kind.Kind != "fairness_ci" && kind.Kind != "drift_adjusted" {
			continue
		}
		var c uncertaintyCase
		if err := json.Unmarshal(rawCase, &c); err != nil {
			t.Fatalf("parsing golden case of kind %s: %v", kind.Kind, err)
		}
		out = append(out, c)
	}
	if len(out) < 3 {
		t.Fatalf("want the fairness_ci and drift_adjusted golden cases, found %d", len(out))
	}
	return out
}

func relClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300)
}

func checkBound(t *testing.T, what string, got Optional, want *float64) {
	t.Helper()
	v, ok := got.Get()
	switch {
	case want == nil && ok:
		t.Errorf("%s = %v, want absent", what, v)
	case want != nil && !ok:
		t.Errorf("%s absent, want %v", what, *want)
	case want != nil && !relClose(v, *want, valueTol):
		t.Errorf("%s = %.17g, want %.17g (relative error %.2g)", what, v, *want, math.Abs(v-*want)/math.Abs(*want))
	}
}

// countGroups counts the golden rows as the engine does: n = rows with a
// predicted label, selected = favourable predictions, favourable actuals and
// true positives among rows with an actual.
func countGroups(c uncertaintyCase) (protected, reference groupCounts) {
	for i, g := range c.Group {
		var dst *groupCounts
		switch {
		case slices.Contains(c.Protected, g):
			dst = &protected
		case slices.Contains(c.ReferenceGroups, g):
			dst = &reference
		default:
			continue
		}
		pred := c.Prediction[i]
		if pred == nil {
			continue
		}
		dst.N++
		if *pred == c.Favorable {
			dst.Selected++
		}
		if a := c.Actual[i]; a != nil && *a == c.Favorable {
			dst.FavorableActuals++
			if *pred == c.Favorable {
				dst.TruePositives++
			}
		}
	}
	return protected, reference
}

func TestGoldenFairnessIntervals(t *testing.T) {
	for _, c := range loadUncertaintyGolden(t) {
		if c.Kind != "fairness_ci" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			p, q := countGroups(c)
			if p != c.Counts["protected"] || q != c.Counts["reference"] {
				t.Fatalf("counted protected %+v reference %+v, golden says %+v and %+v", p, q, c.Counts["protected"], c.Counts["reference"])
			}
			tooSmall := c.MinGroupSize != nil && (p.N < *c.MinGroupSize || q.N < *c.MinGroupSize)
			intervals := map[string]func() (Interval, error){
				"disparate_impact": func() (Interval, error) { return RatioInterval(p.Selected, p.N, q.Selected, q.N, c.Alpha) },
				"statistical_parity_difference": func() (Interval, error) {
					return DifferenceInterval(p.Selected, p.N, q.Selected, q.N, c.Alpha)
				},
				"equal_opportunity_difference": func() (Interval, error) {
					return DifferenceInterval(p.TruePositives, p.FavorableActuals, q.TruePositives, q.FavorableActuals, c.Alpha)
				},
				"selection_rate_protected": func() (Interval, error) { return Wilson(p.Selected, p.N, c.Alpha) },
				"selection_rate_reference": func() (Interval, error) { return Wilson(q.Selected, q.N, c.Alpha) },
			}
			if len(c.Expected) == 0 {
				t.Fatal("no expected metrics")
			}
			for metric, raw := range c.Expected {
				compute, ok := intervals[metric]
				if !ok {
					t.Fatalf("no interval for golden metric %q", metric)
				}
				var want boundsCase
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatalf("%s: %v", metric, err)
				}
				got, err := compute()
				if err != nil {
					t.Fatalf("%s: %v", metric, err)
				}
				if tooSmall {
					got = Interval{}
				}
				checkBound(t, metric+" value", got.Value, want.Value)
				checkBound(t, metric+" lower", got.Lower, want.Lower)
				checkBound(t, metric+" upper", got.Upper, want.Upper)
			}
			if c.MinGroupSize != nil && !tooSmall {
				t.Errorf("case %s sets a minimum group size its groups pass (%d, %d): it checks nothing", c.Name, p.N, q.N)
			}
		})
	}
}

func TestGoldenAdjustedPValues(t *testing.T) {
	for _, c := range loadUncertaintyGolden(t) {
		if c.Kind != "drift_adjusted" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			want := map[string]map[string]float64{}
			for k, raw := range c.Expected {
				var m map[string]float64
				if err := json.Unmarshal(raw, &m); err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				want[k] = m
			}
			pvals := make([]Optional, len(c.Features))
			for i, f := range c.Features {
				d, err := DriftOfSamples(floats(c.Reference[f]), floats(c.Current[f]))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if !relClose(d.KS.Statistic, c.KS[f], valueTol) {
					t.Errorf("%s: D = %v, want %v", f, d.KS.Statistic, c.KS[f])
				}
				if !relClose(d.KS.PValue, want["ks_pvalue"][f], pValueTol) {
					t.Errorf("%s: p = %v, want %v", f, d.KS.PValue, want["ks_pvalue"][f])
				}
				pvals[i] = Some(d.KS.PValue)
			}
			for _, method := range []Adjustment{BenjaminiHochberg, Bonferroni} {
				adj, err := AdjustPValues(pvals, method)
				if err != nil {
					t.Fatal(err)
				}
				for i, f := range c.Features {
					w := want[string(method)][f]
					checkOptionalTol(t, string(method)+" "+f, adj[i], w, pValueTol)
				}
				// The adjustment itself is exact: applied to the golden
				// p-values it gives the golden adjusted ones at 1e-9.
				exact := make([]Optional, len(c.Features))
				for i, f := range c.Features {
					exact[i] = Some(want["ks_pvalue"][f])
				}
				adj, err = AdjustPValues(exact, method)
				if err != nil {
					t.Fatal(err)
				}
				for i, f := range c.Features {
					checkOptionalTol(t, string(method)+" of golden p "+f, adj[i], want[string(method)][f], valueTol)
				}
			}
		})
	}
}

func checkOptionalTol(t *testing.T, what string, got Optional, want, tol float64) {
	t.Helper()
	v, ok := got.Get()
	if !ok || !relClose(v, want, tol) {
		t.Errorf("%s = %v (present %v), want %.17g", what, v, ok, want)
	}
}

func floats(in []*float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func TestNormalQuantile(t *testing.T) {
	// Reference values: scipy.stats.norm.ppf.
	cases := []struct{ p, want float64 }{
		{0.975, 1.959963984540054},
		{0.995, 2.5758293035489004},
		{0.95, 1.6448536269514722},
		{0.025, -1.959963984540054},
		{0.5, 0},
		{0.8413447460685429, 1},
	}
	for _, c := range cases {
		if got := NormalQuantile(c.p); !relClose(got, c.want, 1e-12) && math.Abs(got-c.want) > 1e-15 {
			t.Errorf("NormalQuantile(%v) = %.17g, want %.17g", c.p, got, c.want)
		}
	}
	// In the tails, Φ(Φ⁻¹(p)) gives p back to near machine precision.
	for _, p := range []float64{1e-300, 1e-100, 1e-20, 1e-10, 1e-9, 1e-5, 0.01, 0.3, 0.7, 0.99, 1 - 1e-9} {
		x := NormalQuantile(p)
		back := 0.5 * math.Erfc(-x/math.Sqrt2)
		if p > 0.5 {
			back = 1 - 0.5*math.Erfc(x/math.Sqrt2)
		}
		if !relClose(back, p, 1e-12) {
			t.Errorf("Φ(NormalQuantile(%v)) = %v", p, back)
		}
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if got := NormalQuantile(p); !math.IsNaN(got) {
			t.Errorf("NormalQuantile(%v) = %v, want NaN", p, got)
		}
	}
	if !math.IsInf(NormalQuantile(0), -1) || !math.IsInf(NormalQuantile(1), 1) {
		t.Error("NormalQuantile(0), (1) must be -Inf, +Inf")
	}
}

func TestIntervalsBadInput(t *testing.T) {
	if _, err := Wilson(5, 3, 0.05); err == nil {
		t.Error("Wilson with x > n: want an error")
	}
	if _, err := Wilson(1, 3, 0); err == nil {
		t.Error("Wilson with alpha 0: want an error")
	}
	if _, err := RatioInterval(1, 3, -1, 3, 0.05); err == nil {
		t.Error("RatioInterval with a negative count: want an error")
	}
	if _, err := DifferenceInterval(1, 3, 1, 3, 1.5); err == nil {
		t.Error("DifferenceInterval with alpha 1.5: want an error")
	}
	if _, err := AdjustPValues([]Optional{Some(1.2)}, Bonferroni); err == nil {
		t.Error("AdjustPValues of 1.2: want an error")
	}
	if _, err := AdjustPValues([]Optional{Some(0.2)}, "holm"); err == nil {
		t.Error("AdjustPValues with an unknown method: want an error")
	}
}

func TestIntervalsEdgeCases(t *testing.T) {
	// Empty groups and zero counts leave the parts the definitions leave undefined.
	if iv, _ := Wilson(0, 0, 0.05); iv.Value.Valid() || iv.Lower.Valid() {
		t.Errorf("Wilson of an empty group = %+v, want absent", iv)
	}
	iv, _ := Wilson(0, 10, 0.05)
	if lo, _ := iv.Lower.Get(); lo != 0 {
		t.Errorf("Wilson(0, 10) lower = %v, want 0 (clipped)", lo)
	}
	iv, _ = RatioInterval(0, 10, 4, 10, 0.05)
	if v, ok := iv.Value.Get(); !ok || v != 0 || iv.Lower.Valid() || iv.Upper.Valid() {
		t.Errorf("RatioInterval with x_P = 0 = %+v, want value 0 and no bounds", iv)
	}
	iv, _ = RatioInterval(4, 10, 0, 10, 0.05)
	if iv.Value.Valid() || iv.Lower.Valid() {
		t.Errorf("RatioInterval with x_Q = 0 = %+v, want absent", iv)
	}
	iv, _ = DifferenceInterval(3, 10, 3, 0, 0.05)
	if iv.Value.Valid() {
		t.Errorf("DifferenceInterval with an empty group = %+v, want absent", iv)
	}
	// Absent p-values are not part of the family.
	adj, _ := AdjustPValues([]Optional{Some(0.01), Absent(), Some(0.04)}, Bonferroni)
	if adj[1].Valid() || adj[0].String() != "0.02" || adj[2].String() != "0.08" {
		t.Errorf("Bonferroni over a family with an absent p = %v", adj)
	}
	adj, _ = AdjustPValues([]Optional{Some(0.04), Some(0.01), Some(0.03)}, BenjaminiHochberg)
	for i, want := range []float64{0.04, 0.03, 0.04} {
		if v, _ := adj[i].Get(); !relClose(v, want, 1e-12) {
			t.Errorf("BH[%d] = %v, want %v", i, v, want)
		}
	}
	if !(Interval{Lower: Some(0.8), Upper: Some(1.2)}).Contains(1) || (Interval{Lower: Some(0.5), Upper: Some(0.9)}).Contains(1) {
		t.Error("Contains")
	}
}
