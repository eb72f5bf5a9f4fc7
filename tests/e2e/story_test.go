//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

func TestHealth(t *testing.T) {
	res := plug.health(t)
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "3 models") {
		t.Fatalf("health: %v %q", res.Status, res.Message)
	}
}

// features lists a model's feature names through the resource route.
func features(t *testing.T, model string) []string {
	t.Helper()
	r := plug.call(t, "Viewer", http.MethodGet, "models/"+model+"/features", nil)
	var fs []struct{ Name, Kind string }
	if err := json.Unmarshal(r.Body, &fs); err != nil || r.Status != http.StatusOK {
		t.Fatalf("features of %s: %d %s", model, r.Status, r.Body)
	}
	var out []string
	for _, f := range fs {
		if f.Kind == "feature" {
			out = append(out, f.Name)
		}
	}
	return out
}

// interpolate replaces the dashboards' variables with their default values, as
// Grafana would before sending the query; $feature expands to a list.
func interpolate(t *testing.T, target map[string]any, vars map[string]any) json.RawMessage {
	t.Helper()
	b, _ := json.Marshal(target)
	s := string(b)
	for name, v := range vars {
		switch x := v.(type) {
		case string:
			s = strings.ReplaceAll(s, "$"+name, x)
		case []string:
			list, _ := json.Marshal(x)
			s = strings.ReplaceAll(s, `["$`+name+`"]`, string(list))
			if len(x) > 0 {
				s = strings.ReplaceAll(s, "$"+name, x[0])
			}
		}
	}
	if strings.Contains(s, "$") {
		t.Fatalf("a variable is left in %s", s)
	}
	return json.RawMessage(s)
}

func TestEveryDashboardTargetRuns(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "src", "dashboards", "*.json"))
	if len(files) < 5 {
		t.Fatalf("%d dashboards, want the 5 of the app", len(files))
	}
	from := demoEnd.Add(-30 * 24 * time.Hour)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dash struct {
			Title      string
			Templating struct{ List []struct{ Name string } }
			Panels     []struct {
				Title   string
				Repeat  string
				Targets []map[string]any
			}
		}
		if err := json.Unmarshal(raw, &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		vars := map[string]any{"model": "credit-risk", "reference": "v1", "environment": "production"}
		vars["feature"] = features(t, "credit-risk")
		for _, p := range dash.Panels {
			for _, target := range p.Targets {
				delete(target, "datasource")
				expansions := []map[string]any{vars}
				if p.Repeat == "feature" {
					expansions = nil
					for _, f := range vars["feature"].([]string) {
						v := map[string]any{}
						for k, x := range vars {
							v[k] = x
						}
						v["feature"] = []string{f}
						expansions = append(expansions, v)
					}
				}
				for _, v := range expansions {
					q := interpolate(t, target, v)
					resp := plug.query(t, from, demoEnd, q)
					for ref, r := range resp.Responses {
						if r.Error != nil {
							t.Errorf("%s / %s (%s): %v\nquery: %s", dash.Title, p.Title, ref, r.Error, q)
						} else if len(r.Frames) == 0 {
							t.Errorf("%s / %s: no frames", dash.Title, p.Title)
						}
					}
				}
			}
		}
	}
}

type alertRules struct {
	Groups []struct {
		Rules []struct {
			UID   string
			Title string
			Data  []ruleStep
		}
	}
}

// ruleStep is one query or expression of a provisioned alert rule.
type ruleStep struct {
	RefID             string `yaml:"refId"`
	RelativeTimeRange struct {
		From int
		To   int
	} `yaml:"relativeTimeRange"`
	DatasourceUID string         `yaml:"datasourceUid"`
	Model         map[string]any `yaml:"model"`
}

// evaluate runs a rule's datasource query through the plugin and applies its
// reduce and threshold expressions to each series, returning the labels of the
// instances that fire and of those that stay normal.
func evaluate(t *testing.T, steps []ruleStep) (firing, normal []string) {
	t.Helper()
	var reducer, evaluator string
	var params []float64
	var query json.RawMessage
	var from time.Time
	for _, d := range steps {
		switch {
		case d.DatasourceUID == datasourceUID:
			b, _ := json.Marshal(d.Model)
			query = b
			from = demoEnd.Add(-time.Duration(d.RelativeTimeRange.From) * time.Second)
		case d.Model["type"] == "reduce":
			reducer = d.Model["reducer"].(string)
		case d.Model["type"] == "threshold":
			cond := d.Model["conditions"].([]any)[0].(map[string]any)["evaluator"].(map[string]any)
			evaluator = cond["type"].(string)
			for _, p := range cond["params"].([]any) {
				params = append(params, toFloat(p))
			}
		}
	}
	resp := plug.query(t, from, demoEnd, query)
	for _, r := range resp.Responses {
		if r.Error != nil {
			t.Fatalf("rule query failed: %v", r.Error)
		}
		for _, f := range r.Frames {
			if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) < 2 || f.Fields[1].Len() == 0 {
				continue
			}
			v := reduce(f.Fields[1], reducer)
			fires := false
			switch evaluator {
			case "gt":
				fires = v > params[0]
			case "lt":
				fires = v < params[0]
			case "outside_range":
				fires = v < params[0] || v > params[1]
			default:
				t.Fatalf("evaluator %q", evaluator)
			}
			id := labelID(f.Fields[1].Labels) + fmt.Sprintf(" = %.4g", v)
			if fires {
				firing = append(firing, id)
			} else {
				normal = append(normal, id)
			}
		}
	}
	sort.Strings(firing)
	sort.Strings(normal)
	return firing, normal
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func reduce(f *data.Field, reducer string) float64 {
	sum, n := 0.0, 0
	for i := 0; i < f.Len(); i++ {
		v, ok := f.ConcreteAt(i)
		if !ok {
			continue
		}
		sum += v.(float64)
		n++
	}
	switch reducer {
	case "min", "max":
		best := math.NaN()
		for i := 0; i < f.Len(); i++ {
			if v, ok := f.ConcreteAt(i); ok {
				x := v.(float64)
				if math.IsNaN(best) || (reducer == "min" && x < best) || (reducer == "max" && x > best) {
					best = x
				}
			}
		}
		return best
	case "sum":
		return sum
	case "mean":
		return sum / float64(n)
	}
	panic("reducer " + reducer)
}

func labelID(l data.Labels) string {
	keys := []string{"model", "version", "feature", "attribute", "status"}
	var parts []string
	for _, k := range keys {
		if v, ok := l[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

func hasPrefixIn(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestAlertRulesFireOnThePlantedProblems evaluates each provisioned rule's
// query through the plugin binary at the end of the demo: the planted problems
// fire and features that do not drift stay normal.
func TestAlertRulesFireOnThePlantedProblems(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "provisioning", "alerting", "vigil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			firing, normal := evaluate(t, r.Data)
			t.Logf("%s\n  firing: %v\n  normal: %v", r.Title, firing, normal)
			switch r.UID {
			case "vigil-feature-drift":
				for _, f := range []string{"income", "region"} {
					if !hasPrefixIn(firing, "model=credit-risk,version=v2,feature="+f) {
						t.Errorf("drift of %s should fire for v2", f)
					}
				}
				for _, f := range []string{"age", "debt_ratio", "credit_lines", "employment_type", "sex"} {
					if !hasPrefixIn(normal, "model=credit-risk,version=v2,feature="+f) || hasPrefixIn(firing, "model=credit-risk,version=v2,feature="+f) {
						t.Errorf("drift of %s should stay normal for v2", f)
					}
				}
			case "vigil-disparate-impact":
				if !hasPrefixIn(firing, "model=credit-risk,version=v2") {
					t.Errorf("disparate impact should fire for v2")
				}
				if !hasPrefixIn(normal, "model=credit-risk,version=v1") {
					t.Errorf("disparate impact should stay normal for v1")
				}
			case "vigil-deprecated-traffic":
				if len(firing) != 1 || !strings.HasPrefix(firing[0], "model=credit-risk,version=v1,status=deprecated") {
					t.Errorf("deprecated traffic should fire for credit-risk v1 only: %v", firing)
				}
			case "vigil-embedding-drift":
				if len(firing) != 1 || !strings.HasPrefix(firing[0], "model=review-sentiment,version=v1") {
					t.Errorf("embedding drift should fire for review-sentiment v1 (the Spanish reviews): %v", firing)
				}
			default:
				if healthRuleUIDs[r.UID] { // checked in health_test.go
					break
				}
				check, ok := ruleChecks[r.UID]
				if !ok {
					t.Errorf("rule %s has no check", r.UID)
					break
				}
				check(t, firing, normal)
			}
			checked[r.UID] = true
		}
	}
	if want := 4 + len(ruleChecks) + len(healthRuleUIDs); len(checked) != want {
		t.Errorf("checked %d rules, want %d", len(checked), want)
	}
}

// ruleChecks holds the checks of rules whose features are tested in their own
// files (each registers its rules from an init function), by rule uid.
var ruleChecks = map[string]func(t *testing.T, firing, normal []string){}

func TestResourceRoutesThroughThePlugin(t *testing.T) {
	r := plug.call(t, "Viewer", http.MethodGet, "models", nil)
	var models []struct {
		Name    string
		Records int64
	}
	if err := json.Unmarshal(r.Body, &models); err != nil || r.Status != http.StatusOK || len(models) != 3 {
		t.Fatalf("models: %d %s", r.Status, r.Body)
	}
	if got := features(t, "credit-risk"); len(got) != 7 {
		t.Errorf("credit-risk features: %v", got)
	}
	r = plug.call(t, "Viewer", http.MethodGet, "models/credit-risk/versions", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"deprecated"`) {
		t.Errorf("versions: %d %s", r.Status, r.Body)
	}
	line := fmt.Sprintf(`{"model":"e2e","version":"v1","id":"1","timestamp":%q,"features":{"x":1}}`, demoEnd.Add(-time.Minute).Format(time.RFC3339))
	if r = plug.call(t, "Viewer", http.MethodPost, "ingest", []byte(line)); r.Status != http.StatusForbidden {
		t.Errorf("ingest as Viewer: %d %s", r.Status, r.Body)
	}
	if r = plug.call(t, "Editor", http.MethodPost, "ingest", []byte(line+"\n{")); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "line 2") {
		t.Errorf("bad batch: %d %s", r.Status, r.Body)
	}
	if r = plug.call(t, "Editor", http.MethodPost, "ingest", []byte(line)); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"inferences":1`) {
		t.Errorf("ingest as Editor: %d %s", r.Status, r.Body)
	}
	resp := plug.query(t, demoEnd.Add(-time.Hour), demoEnd, json.RawMessage(`{"refId":"A","queryType":"traffic","model":"e2e","interval":"1h"}`))
	if r := resp.Responses["A"]; r.Error != nil || len(r.Frames) != 1 {
		t.Errorf("the ingested record is not queryable: %v", r.Error)
	}
}

func TestBadQueriesAreReadable400s(t *testing.T) {
	resp := plug.query(t, demoEnd.Add(-time.Hour), demoEnd,
		json.RawMessage(`{"refId":"A","queryType":"drift","model":"credit-risk","features":["height"]}`),
		json.RawMessage(`{"refId":"B","queryType":"traffic","model":"credit-risk"}`))
	a, b := resp.Responses["A"], resp.Responses["B"]
	if a.Error == nil || a.Status != backend.StatusBadRequest || !strings.Contains(a.Error.Error(), "height") {
		t.Errorf("bad query: status %d error %v", a.Status, a.Error)
	}
	if b.Error != nil {
		t.Errorf("the good query beside it failed: %v", b.Error)
	}
}
