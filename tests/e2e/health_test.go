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

// healthRuleUIDs are the data-quality and estimated-performance alert rules,
// checked here.
var healthRuleUIDs = map[string]bool{"vigil-missing-rate": true, "vigil-estimated-accuracy": true}

// TestHealthAlertRules evaluates the missing-rate and estimated-accuracy rules
// through the plugin at the end of the demo.
func TestHealthAlertRules(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "provisioning", "alerting", "vigil.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if !healthRuleUIDs[r.UID] {
				continue
			}
			seen++
			firing, normal := evaluate(t, r.Data)
			t.Logf("%s\n  firing: %v\n  normal: %v", r.Title, firing, normal)
			switch r.UID {
			case "vigil-missing-rate":
				// debt_ratio went missing for 40% of v2's requests on day 26.
				if len(firing) != 1 || !strings.HasPrefix(firing[0], "model=credit-risk,version=v2,feature=debt_ratio") {
					t.Errorf("the missing-rate rule should fire for v2's debt_ratio only: %v", firing)
				}
				if !hasPrefixIn(normal, "model=credit-risk,version=v2,feature=age") || !hasPrefixIn(normal, "model=credit-risk,version=v1,feature=debt_ratio") {
					t.Errorf("the missing-rate rule should stay normal for v2's age and v1's debt_ratio: %v", normal)
				}
			case "vigil-estimated-accuracy":
				// The Spanish reviews pull review-sentiment's estimated accuracy down.
				if len(firing) != 1 || !strings.HasPrefix(firing[0], "model=review-sentiment,version=v1") {
					t.Errorf("the estimated-accuracy rule should fire for review-sentiment v1: %v", firing)
				}
			}
		}
	}
	if seen != len(healthRuleUIDs) {
		t.Errorf("found %d of the %d health rules in vigil.yaml", seen, len(healthRuleUIDs))
	}
}

// TestHealthQueriesThroughThePlugin runs the three query types on the demo
// through the plugin binary: frames, labels and the story's numbers.
func TestHealthQueriesThroughThePlugin(t *testing.T) {
	from := demoEnd.Add(-30 * 24 * time.Hour)
	q := func(s string) json.RawMessage { return json.RawMessage(s) }
	resp := plug.query(t, from, demoEnd,
		q(`{"refId":"DQ","queryType":"dataQuality","model":"credit-risk","versions":["v2"],"environment":"production","features":["credit_lines"],"metric":"out_of_range_rate","interval":"1d","reference":{"type":"environment","environment":"training","version":"v2"}}`),
		q(`{"refId":"EST","queryType":"estimatedPerformance","model":"credit-risk","versions":["v2"],"environment":"production","metric":"f1","interval":"1d"}`),
		q(`{"refId":"TR","queryType":"performanceTrace","model":"delivery-eta","environment":"production","metric":"mae","features":["zone","courier_type","hour_of_day"]}`),
		q(`{"refId":"BAD","queryType":"estimatedPerformance","model":"delivery-eta"}`),
		q(`{"refId":"BAD2","queryType":"dataQuality","model":"credit-risk","features":["nope"]}`),
	)
	dq := resp.Responses["DQ"]
	if dq.Error != nil || len(dq.Frames) != 1 || dq.Frames[0].Meta.Type != data.FrameTypeTimeSeriesMulti {
		t.Fatalf("data quality: %v %+v", dq.Error, dq.Frames)
	}
	// Days 24–28 (whole days, after the new bureau feed): about 4% each.
	times, values := dq.Frames[0].Fields[0], dq.Frames[0].Fields[1]
	checked := 0
	for i := 0; i < values.Len(); i++ {
		at := times.At(i).(time.Time)
		if at.Before(demoEnd.Add(-6*24*time.Hour)) || at.After(demoEnd.Add(-2*24*time.Hour)) {
			continue
		}
		v, _ := values.ConcreteAt(i)
		if x, _ := v.(float64); x < 0.015 || x > 0.07 {
			t.Errorf("credit_lines out-of-range rate on %s: %v, want ≈ 0.04", at.Format(time.DateOnly), v)
		}
		checked++
	}
	if checked < 3 {
		t.Errorf("checked %d days of the out-of-range rate", checked)
	}
	if l := dq.Frames[0].Fields[1].Labels; l["feature"] != "credit_lines" || l["metric"] != "out_of_range_rate" || l["version"] != "v2" {
		t.Errorf("data quality labels %v", l)
	}
	est := resp.Responses["EST"]
	if est.Error != nil || len(est.Frames) != 1 || est.Frames[0].Fields[1].Len() < 8 {
		t.Fatalf("estimated f1: %v %+v", est.Error, est.Frames)
	}
	tr := resp.Responses["TR"]
	if tr.Error != nil || len(tr.Frames) != 1 {
		t.Fatalf("performance trace: %v %+v", tr.Error, tr.Frames)
	}
	f := tr.Frames[0]
	var names []string
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	if strings.Join(names, ",") != "feature,value,count,metric,contribution,too_small" {
		t.Errorf("performance trace columns %v", names)
	}
	if f.Rows() == 0 || f.Fields[0].At(0) != "features.zone" || f.Fields[1].At(0) != "harbour" {
		t.Errorf("the MAE trace should rank zone=harbour first: %v=%v", f.Fields[0].At(0), f.Fields[1].At(0))
	}
	for ref, want := range map[string]string{"BAD": "regression model", "BAD2": "no feature \"nope\""} {
		r := resp.Responses[ref]
		if r.Error == nil || !strings.Contains(r.Error.Error(), want) || r.Status != 400 {
			t.Errorf("%s: status %d error %v, want a 400 saying %q", ref, r.Status, r.Error, want)
		}
	}
}
