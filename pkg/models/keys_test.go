package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestStrictKeys(t *testing.T) {
	cases := []parseErrorCase{
		{`{"queryType":"drift","model":"m","feature":["age"]}`, "feature", "did you mean features?"},
		{`{"queryType":"drift","model":"m","Features":["age"]}`, "Features", "did you mean features?"},
		{`{"queryType":"performance","model":"m","postive":"1"}`, "postive", "did you mean positive?"},
		{`{"queryType":"drift","model":"m","refrence":{"type":"rolling","window":"1d"}}`, "refrence", "did you mean reference?"},
		{`{"queryType":"drift","model":"m","bins":10}`, "bins", `did you mean bins inside binning, as in "binning": {"bins": …}?`},
		{`{"queryType":"fairness","model":"m","favorable":"1"}`, "favorable", `did you mean favorable inside fairness`},
		{`{"queryType":"drift","model":"m","version":"v1"}`, "version", "did you mean versions?"},
		{`{"queryType":"drift","model":"m","zzzzzzzz":1}`, "zzzzzzzz", "valid options: adjust, binning, bound"},
		{`{"queryType":"fairness","model":"m","positive":">50K","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"}}`,
			"positive", "does not apply to fairness queries (it is read by performance, estimatedPerformance, performanceTrace); fairness queries read model, versions, environment, metric, fairness, filters, interval, confidence"},
		{`{"queryType":"traffic","groupBy":["tags.channel"]}`, "groupBy", "does not apply to traffic queries"},
		{`{"queryType":"models","interval":"1h"}`, "interval", "does not apply to models queries"},
		{`{"queryType":"performance","model":"m","binning":{"bins":5}}`, "binning", "it is read by drift, biasTrace, distribution"},
		{`{"queryType":"fairness","model":"m","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favourable":"1"}}`,
			"fairness.favourable", "did you mean favorable?"},
		{`{"queryType":"drift","model":"m","reference":{"type":"rolling","windw":"7d"}}`, "reference.windw", "did you mean window?"},
		{`{"queryType":"drift","model":"m","binning":{"strategy":"uniform","bin":5}}`, "binning.bin", "did you mean bins?"},
		{`{"queryType":"drift","model":"m","filters":[{"field":"tags.sex","operator":"="}]}`, "filters[0].operator", "is not a Vigil query option"},
		{`{"queryType":"drift","model":"m","reference":{"type":"environment","window":"7d"}}`, "reference.window",
			"does not apply to an environment reference (it is read by rolling references); an environment reference reads environment, version"},
		{`{"queryType":"drift","model":"m","reference":{"type":"rolling","window":"7d","environment":"training"}}`, "reference.environment", "does not apply to a rolling reference"},
		{`{"queryType":"drift","model":"m","reference":{"type":"version","version":"v1","from":"now-7d"}}`, "reference.from", "does not apply to a version reference"},
		{`{"queryType":"drift","model":"m","features":3}`, "features", "must be a string or a list of strings"},
		{`{"queryType":"drift","model":"m","binning":{"bins":"ten"}}`, "binning.bins", "a JSON string cannot be read as a number"},
		{`{"queryType":"embeddings","model":"m","limit":"many"}`, "limit", "a JSON string cannot be read as a number"},
		{`["drift"]`, "", "must be a JSON object"},
	}
	checkParseErrors(t, cases)
}

func TestStrictKeysAccepted(t *testing.T) {
	for _, js := range []string{
		// Keys Grafana adds to saved and sent queries.
		`{"refId":"A","queryType":"drift","model":"m","datasource":{"type":"vigil-mlobs-datasource","uid":"vigil"},"datasourceId":3,
		  "hide":false,"key":"Q-1","intervalMs":60000,"maxDataPoints":1200,"timeRange":{"from":"now-6h","to":"now"},"resultAssertions":{"typeVersion":[0,0]},"queryCachingTTL":60000}`,
		// Options that do not apply but ask for nothing (left by an older editor).
		`{"queryType":"fairness","model":"m","positive":"","features":[],"reference":{},"binning":null,"status":[],
		  "fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"]}}`,
		`{"queryType":"drift","model":"m","reference":{"type":"environment","environment":"training","version":"v1","window":""}}`,
		`{"queryType":"drift","model":"m","reference":{"type":"window","from":"now-7d","to":"now"}}`,
		`{"queryType":"embeddingDrift","model":"m","reference":{"type":"version","version":"v1"}}`,
		`{"queryType":"biasTrace","model":"m","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"},
		  "features":["age"],"reference":{"type":"environment"},"binning":{"bins":5},"minCount":10,"limit":5,"overTime":true,"pairs":true,"interval":"1d",
		  "filters":[{"field":"tags.channel","op":"=","value":"web"}]}`,
		`{"queryType":"embeddings","model":"m","limit":100,"referenceLimit":40,"currentLimit":60,"reduce":"none","minClusterSize":5}`,
		`{"queryType":"models","model":"m","versions":["v1"],"environment":"production","status":["active"]}`,
	} {
		if _, err := parse(t, js); err != nil {
			t.Errorf("%s: %v", js, err)
		}
	}
}

func TestStrictKeysCallerOptions(t *testing.T) {
	req := Request{JSON: []byte(`{"model":"m","from":"now-1d","to":"now","filters":[{"field":"tags.sex","value":"F"}]}`),
		QueryType: TypeEmbeddings, From: from, To: to, ExtraKeys: []string{"from", "to"}, OnlyOptions: []string{"filters"}}
	if _, err := Parse(req, Limits{}); err != nil {
		t.Fatal(err)
	}
	req.JSON = []byte(`{"model":"m","referenceLimit":5}`)
	_, err := Parse(req, Limits{})
	if err == nil || !strings.Contains(err.Error(), `"referenceLimit": does not apply here; this query reads model, versions, environment, from, to, filters`) {
		t.Fatalf("got %v", err)
	}
}

// TestEveryQueryFieldHasAnEntry keeps QueryTypeOptions complete: each JSON
// key of Query is a Grafana key, a common option or read by some query type,
// and every query type has an entry.
func TestEveryQueryFieldHasAnEntry(t *testing.T) {
	known := allOptions()
	typ := reflect.TypeOf(Query{})
	for i := 0; i < typ.NumField(); i++ {
		tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		if !contains(known, tag) {
			t.Errorf("Query field %s (json %q) is in no entry of QueryTypeOptions", typ.Field(i).Name, tag)
		}
	}
	for _, qt := range QueryTypes {
		if _, ok := QueryTypeOptions[qt]; !ok {
			t.Errorf("query type %s has no entry in QueryTypeOptions", qt)
		}
	}
	for _, rt := range ReferenceTypes {
		if _, ok := ReferenceFields[rt]; !ok {
			t.Errorf("reference type %s has no entry in ReferenceFields", rt)
		}
	}
}

// TestSavedQueriesParse parses every target of the shipped dashboards and
// every Vigil query of the provisioned alert rules: strict parsing must not
// refuse what the project itself saves.
func TestSavedQueriesParse(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := filepath.Glob(filepath.Join(root, "src", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var dash any
		if err := json.Unmarshal(b, &dash); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, target := range dashboardTargets(dash) {
			js, _ := json.Marshal(target)
			if _, err := parse(t, string(js)); err != nil {
				t.Errorf("%s: target %s: %v", filepath.Base(f), js, err)
			}
			n++
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "provisioning", "alerting", "vigil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				UID  string `yaml:"uid"`
				Data []struct {
					DatasourceUID string         `yaml:"datasourceUid"`
					Model         map[string]any `yaml:"model"`
				} `yaml:"data"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID == "__expr__" {
					continue
				}
				js, _ := json.Marshal(d.Model)
				if _, err := parse(t, string(js)); err != nil {
					t.Errorf("alert rule %s: %s: %v", r.UID, js, err)
				}
				alerts++
			}
		}
	}
	if n < 20 || alerts < 3 {
		t.Fatalf("parsed %d dashboard targets and %d alert queries; the files' shape changed", n, alerts)
	}
}

// dashboardTargets collects the panel targets and annotation targets whose
// datasource is Vigil's (or unset, for panels that inherit it).
func dashboardTargets(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if ts, ok := x["targets"].([]any); ok {
			for _, t := range ts {
				if m, ok := t.(map[string]any); ok && isVigil(m) {
					out = append(out, m)
				}
			}
		}
		if t, ok := x["target"].(map[string]any); ok && isVigil(x) {
			out = append(out, t)
		}
		for k, c := range x {
			if k != "targets" && k != "target" {
				out = append(out, dashboardTargets(c)...)
			}
		}
	case []any:
		for _, c := range x {
			out = append(out, dashboardTargets(c)...)
		}
	}
	return out
}

func isVigil(m map[string]any) bool {
	ds, ok := m["datasource"].(map[string]any)
	if !ok {
		return true
	}
	typ, _ := ds["type"].(string)
	return typ == "" || strings.HasPrefix(typ, "vigil")
}

// TestFrontendTableMatches checks that the query editor's QUERY_TYPE_OPTIONS
// (which options it keeps when the query type changes) lists the same
// options per query type as QueryTypeOptions.
func TestFrontendTableMatches(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "src", "datasource", "queryOptions.ts"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "QUERY_TYPE_OPTIONS: Record<QueryType, readonly TypeOption[]> = {")
	if start < 0 {
		t.Fatal("QUERY_TYPE_OPTIONS not found in queryOptions.ts")
	}
	body := src[start:]
	body = body[strings.Index(body, "{")+1 : strings.Index(body, "\n};")]
	entries := regexp.MustCompile(`(\w+):\s*\[([^\]]*)\]`).FindAllStringSubmatch(body, -1)
	if len(entries) == 0 {
		t.Fatal("QUERY_TYPE_OPTIONS has no entries")
	}
	// Options the editor knows must apply to the same query types on both
	// sides; an option only the backend reads (set in the JSON) is skipped.
	frontend := map[string][]string{}
	editorKnows := map[string]bool{}
	for _, e := range entries {
		if _, ok := QueryTypeOptions[e[1]]; !ok {
			t.Errorf("the editor has options for %s, which the backend does not know", e[1])
		}
		frontend[e[1]] = nil
		for _, m := range regexp.MustCompile(`'(\w+)'`).FindAllStringSubmatch(e[2], -1) {
			frontend[e[1]] = append(frontend[e[1]], m[1])
			editorKnows[m[1]] = true
		}
	}
	for _, qt := range QueryTypes {
		if _, ok := frontend[qt]; !ok {
			continue // a query type the editor does not offer yet
		}
		var backend []string
		for _, o := range QueryTypeOptions[qt] {
			if editorKnows[o] {
				backend = append(backend, o)
			}
		}
		got, want := strings.Join(SortedCopy(frontend[qt]), ","), strings.Join(SortedCopy(backend), ",")
		if got != want {
			t.Errorf("%s: the editor keeps %s, the backend reads %s", qt, got, want)
		}
	}
}
