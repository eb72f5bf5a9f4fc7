//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

// The uncertainty rules: "significant disparate impact" fires on the upper
// bound of the 95% interval (v2's bias is not chance, v1 is fair), and the
// drift rule on KS p-values adjusted across features flags the income shift
// and nothing else.
func init() {
	ruleChecks["vigil-significant-disparate-impact"] = func(t *testing.T, firing, normal []string) {
		if len(firing) != 1 || !strings.HasPrefix(firing[0], "model=credit-risk,version=v2") {
			t.Errorf("significant disparate impact should fire for v2 only: %v", firing)
		}
		if !hasPrefixIn(normal, "model=credit-risk,version=v1") {
			t.Errorf("significant disparate impact should stay normal for v1: %v", normal)
		}
	}
	ruleChecks["vigil-drift-pvalue-adjusted"] = func(t *testing.T, firing, normal []string) {
		if !hasPrefixIn(firing, "model=credit-risk,version=v2,feature=income") {
			t.Errorf("adjusted KS p-value of income should fire for v2: %v", firing)
		}
		for _, f := range []string{"age", "debt_ratio", "credit_lines"} {
			if hasPrefixIn(firing, "model=credit-risk,version=v2,feature="+f) || !hasPrefixIn(normal, "model=credit-risk,version=v2,feature="+f) {
				t.Errorf("adjusted KS p-value of %s should stay normal for v2", f)
			}
		}
	}
}

// ruleByUID reads one provisioned rule.
func ruleByUID(t *testing.T, uid string) (title string, steps []ruleStep) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "provisioning", "alerting", "vigil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.UID == uid {
				return r.Title, r.Data
			}
		}
	}
	t.Fatalf("no provisioned rule %s", uid)
	return "", nil
}

func TestUncertaintyRulesOnTheDemo(t *testing.T) {
	for uid, check := range map[string]func(*testing.T, []string, []string){
		"vigil-significant-disparate-impact": ruleChecks["vigil-significant-disparate-impact"],
		"vigil-drift-pvalue-adjusted":        ruleChecks["vigil-drift-pvalue-adjusted"],
	} {
		t.Run(uid, func(t *testing.T) {
			title, steps := ruleByUID(t, uid)
			firing, normal := evaluate(t, steps)
			t.Logf("%s\n  firing: %v\n  normal: %v", title, firing, normal)
			check(t, firing, normal)
		})
	}
}

// TestFairnessBandThroughThePlugin: the Fairness dashboard's query with
// confidence answers, per version, the value and its two bounds around it,
// named as the dashboard's band overrides expect.
func TestFairnessBandThroughThePlugin(t *testing.T) {
	q, _ := json.Marshal(map[string]any{
		"refId": "A", "queryType": "fairness", "model": "credit-risk", "environment": "production",
		"metric": "disparate_impact", "interval": "1d", "confidence": 0.95,
		"fairness": map[string]any{"attribute": "tags.sex", "protected": []string{"F"}, "reference": []string{"M"}, "favorable": "1"},
	})
	resp := plug.query(t, demoEnd.Add(-7*24*time.Hour), demoEnd, q)
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	byName := map[string]*data.Field{}
	for _, f := range r.Frames {
		if len(f.Fields) == 2 && f.Fields[1].Config != nil {
			byName[f.Fields[1].Config.DisplayNameFromDS] = f.Fields[1]
		}
	}
	for _, v := range []string{"v1", "v2"} {
		base := "disparate_impact " + v + " production tags.sex"
		value, lower, upper := byName[base], byName[base+" lower bound (95%)"], byName[base+" upper bound (95%)"]
		if value == nil || lower == nil || upper == nil {
			t.Fatalf("%s: want the value and both bounds; got series %v", v, keys(byName))
		}
		if lower.Labels["bound"] != "lower" || upper.Labels["bound"] != "upper" {
			t.Errorf("%s: bound labels %v %v", v, lower.Labels, upper.Labels)
		}
		points := 0
		for i := 0; i < value.Len(); i++ {
			x, ok := value.ConcreteAt(i)
			lo, lok := lower.ConcreteAt(i)
			hi, hok := upper.ConcreteAt(i)
			if !ok || !lok || !hok {
				continue
			}
			points++
			if !(lo.(float64) < x.(float64) && x.(float64) < hi.(float64)) {
				t.Errorf("%s point %d: %v not inside [%v, %v]", v, i, x, lo, hi)
			}
		}
		if points == 0 {
			t.Errorf("%s: no point with both bounds", v)
		}
	}
}

func keys(m map[string]*data.Field) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
