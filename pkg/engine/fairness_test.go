package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// fairRecord is a credit decision of a person in a group; an empty actual
// means none yet, an empty prediction none at all.
func fairRecord(i int, at time.Time, version, group, pred, actual string) store.Record {
	r := store.Record{
		Line: i + 1, Model: "credit", ID: fmt.Sprintf("f%d", i), Version: version, Environment: "production", Time: at,
		Features: []store.Feature{{Name: "sex", Value: store.Str(group)}, {Name: "age", Value: store.Num(float64(20 + i%50))}},
		Tags:     []store.Tag{{Name: "sex", Value: group, Set: true}},
	}
	if pred != "" {
		r.Prediction = store.Outcome{Label: pred, HasLabel: true}
	}
	if actual != "" {
		r.Actual = store.Outcome{Label: actual, HasLabel: true}
		r.ActualTime = at
	}
	return r
}

func fairQuery(metric, attribute string, protected, reference []string, extra string) string {
	p, _ := json.Marshal(protected)
	q, _ := json.Marshal(reference)
	return fmt.Sprintf(`{"queryType":"fairness","model":"credit","metric":%q,"fairness":{"attribute":%q,"protected":%s,"reference":%s,"favorable":"1"}%s}`,
		metric, attribute, p, q, extra)
}

func TestFairnessGolden(t *testing.T) {
	c := loadQualityGolden(t, "fairness-binary")
	var pred, actual []string
	if err := json.Unmarshal(c.Prediction, &pred); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.Actual, &actual); err != nil {
		t.Fatal(err)
	}
	if len(pred) != len(actual) || len(pred) != len(c.Group) {
		t.Fatalf("golden lengths differ: %d predictions, %d actuals, %d groups", len(pred), len(actual), len(c.Group))
	}
	if c.Favorable != "1" {
		t.Fatalf("golden favourable label %q; the queries below use 1", c.Favorable)
	}
	batch := make([]store.Record, len(pred))
	for i := range pred {
		batch[i] = fairRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "v1", c.Group[i], pred[i], actual[i])
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, attribute := range []string{"tags.sex", "features.sex", "sex"} {
		for _, metric := range []string{"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference", "average_odds_difference", "predictive_parity_ratio"} {
			t.Run(attribute+"/"+metric, func(t *testing.T) {
				res := mustRunQuality(t, e, fairQuery(metric, attribute, c.Protected, c.ReferenceGroups, `,"interval":"1d"`))
				want, ok := c.expected(t, metric)
				checkOptional(t, metric, onlyPoint(t, res), want, ok)
				l := labelMap(res.Series[0])
				wantAttr := attribute
				if attribute == "sex" {
					wantAttr = "features.sex"
				}
				if l["model"] != "credit" || l["version"] != "v1" || l["attribute"] != wantAttr || l["metric"] != metric || len(l) != 4 {
					t.Errorf("labels %v", res.Series[0].Labels)
				}
			})
		}
		t.Run(attribute+"/selection_rate", func(t *testing.T) {
			res := mustRunQuality(t, e, fairQuery("selection_rate", attribute, c.Protected, c.ReferenceGroups, `,"interval":"1d"`))
			if len(res.Series) != 2 {
				t.Fatalf("want a protected and a reference series, got %s", describeSeries(res))
			}
			for _, s := range res.Series {
				group := labelMap(s)["group"]
				if len(s.Points) != 1 || !strings.HasSuffix(s.Name, " "+group) {
					t.Fatalf("series %s", describeSeries(res))
				}
				want, ok := c.expected(t, "selection_rate_"+group)
				checkOptional(t, "selection_rate "+group, s.Points[0].Value, want, ok)
			}
		})
	}
}

// TestFairnessActualsAndBuckets uses small hand-counted groups: F protected, M
// reference, X neither.
func TestFairnessActualsAndBuckets(t *testing.T) {
	h0, h1 := qualityT0.Add(10*time.Minute), qualityT0.Add(70*time.Minute)
	b0, b1 := qualityT0, qualityT0.Add(time.Hour) // their bucket starts
	rows := []struct {
		at                           time.Time
		version, group, pred, actual string
	}{
		// Hour 0, v1. F: 4 rows, 1 favourable prediction; M: 4 rows, 2 favourable.
		{h0, "v1", "F", "1", "1"}, {h0, "v1", "F", "0", "1"}, {h0, "v1", "F", "0", ""}, {h0, "v1", "F", "0", "0"},
		{h0, "v1", "M", "1", "1"}, {h0, "v1", "M", "1", ""}, {h0, "v1", "M", "0", "1"}, {h0, "v1", "M", "0", ""},
		{h0, "v1", "X", "1", "1"}, {h0, "v1", "X", "1", "1"},
		// Hour 1, v1: M never favourable, so disparate impact is undefined.
		{h1, "v1", "F", "1", ""}, {h1, "v1", "M", "0", "0"}, {h1, "v1", "M", "0", ""},
		// Hour 0, v2: the same ratio as v1 hour 0 but one prediction is missing.
		{h0, "v2", "F", "1", "1"}, {h0, "v2", "F", "0", "0"}, {h0, "v2", "M", "1", "1"}, {h0, "v2", "M", "", "1"},
	}
	var batch []store.Record
	for i, r := range rows {
		batch = append(batch, fairRecord(i, r.at, r.version, r.group, r.pred, r.actual))
	}
	e := qualityEngine(t, Limits{}, batch)
	type point struct {
		version string
		at      time.Time
		value   float64
		ok      bool
	}
	for _, tc := range []struct {
		metric string
		want   []point
	}{
		// SR(F)/SR(M) over every record with a prediction.
		{"disparate_impact", []point{{"v1", b0, (1.0 / 4) / (2.0 / 4), true}, {"v1", b1, 0, false}, {"v2", b0, (1.0 / 2) / 1, true}}},
		{"statistical_parity_difference", []point{{"v1", b0, 1.0/4 - 2.0/4, true}, {"v1", b1, 1 - 0, true}, {"v2", b0, 0.5 - 1, true}}},
		// TPR(F) − TPR(M) over records with actuals: v1 h0 F 1/2, M 1/2; v1 h1
		// has no actual positive; v2 F 1/1, M 1/1.
		{"equal_opportunity_difference", []point{{"v1", b0, 0, true}, {"v1", b1, 0, false}, {"v2", b0, 0, true}}},
		// PPV(F)/PPV(M): v1 h0 1/1 over 1/1; v1 h1 nobody predicted favourable
		// among records with actuals; v2 1/1 over 1/1.
		{"predictive_parity_ratio", []point{{"v1", b0, 1, true}, {"v1", b1, 0, false}, {"v2", b0, 1, true}}},
		// ½[(FPR(F) − FPR(M)) + (TPR(F) − TPR(M))]: v1 h0 FPR(F)=0/1, FPR(M) has
		// no actual negative, so absent.
		{"average_odds_difference", []point{{"v1", b0, 0, false}, {"v1", b1, 0, false}, {"v2", b0, 0, false}}},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fairQuery(tc.metric, "tags.sex", []string{"F"}, []string{"M"}, `,"interval":"1h","minGroupSize":1`))
			var got []point
			for _, s := range res.Series {
				for _, p := range s.Points {
					v, ok := p.Value.Get()
					got = append(got, point{labelMap(s)["version"], p.Time, v, ok})
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("want %d points, got %s", len(tc.want), describeSeries(res))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.version != w.version || !g.at.Equal(w.at) || g.ok != w.ok || (w.ok && !closeRel(g.value, w.value, 1e-12) && g.value != w.value) {
					t.Errorf("point %d = %+v, want %+v", i, g, w)
				}
			}
			if !hasNotice(res, Warning, "1 record has no predicted label and is left out") {
				t.Errorf("notices %+v do not mention the record without a prediction", res.Notices)
			}
			if needs := tc.metric != "disparate_impact" && tc.metric != "statistical_parity_difference"; needs != hasNotice(res, Info, "10 of 15 records") {
				t.Errorf("actuals notice present = %v, want %v: %+v", !needs, needs, res.Notices)
			}
			if res.Meta["records"] != int64(15) || res.Meta["recordsWithActuals"] != int64(10) {
				t.Errorf("meta %v", res.Meta)
			}
		})
	}

	t.Run("selection_rate per group", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("selection_rate", "tags.sex", []string{"F"}, []string{"M"}, `,"versions":["v1"],"environment":"production","interval":"1h","minGroupSize":1`))
		if len(res.Series) != 2 {
			t.Fatalf("want two series, got %s", describeSeries(res))
		}
		want := map[string][2]float64{"protected": {1.0 / 4, 1}, "reference": {2.0 / 4, 0}}
		for _, s := range res.Series {
			l := labelMap(s)
			w, ok := want[l["group"]]
			if !ok || l["environment"] != "production" || l["attribute"] != "tags.sex" || len(l) != 6 {
				t.Fatalf("labels %v", s.Labels)
			}
			if wantName := "selection_rate v1 production tags.sex " + l["group"]; s.Name != wantName {
				t.Errorf("name %q, want %q", s.Name, wantName)
			}
			if len(s.Points) != 2 {
				t.Fatalf("series %s", describeSeries(res))
			}
			for i, p := range s.Points {
				checkOptional(t, fmt.Sprintf("%s point %d", s.Name, i), p.Value, w[i], true)
			}
		}
	})

	t.Run("several values per group", func(t *testing.T) {
		// X joins the reference group: SR(M ∪ X) = 4/6 in v1 hour 0.
		res := mustRunQuality(t, e, fairQuery("disparate_impact", "tags.sex", []string{"F"}, []string{"M", "X"}, `,"versions":["v1"],"interval":"1h","minGroupSize":1`))
		if len(res.Series) != 1 || len(res.Series[0].Points) != 2 {
			t.Fatalf("series %s", describeSeries(res))
		}
		checkOptional(t, "disparate impact", res.Series[0].Points[0].Value, (1.0/4)/(4.0/6), true)
	})
}

func TestFairnessBadInput(t *testing.T) {
	var batch []store.Record
	for i := 0; i < 12; i++ {
		batch = append(batch, fairRecord(i, qualityT0.Add(time.Duration(i)*time.Minute), "v1", []string{"F", "M", "X"}[i%3], fmt.Sprint(i%2), fmt.Sprint(i/2%2)))
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, tc := range []struct {
		name, query, option string
		parts               []string
	}{
		{"unknown tag", fairQuery("disparate_impact", "tags.gender", []string{"F"}, []string{"M"}, ""), "fairness.attribute", []string{`no tag "gender"`, "sex"}},
		{"unknown feature", fairQuery("disparate_impact", "features.gender", []string{"F"}, []string{"M"}, ""), "fairness.attribute", []string{`no feature "gender"`}},
		{"numeric attribute", fairQuery("selection_rate", "features.age", []string{"30"}, []string{"40"}, ""), "fairness.attribute", []string{"features.age is numeric", "categorical"}},
		{"unknown model", strings.Replace(fairQuery("disparate_impact", "tags.sex", []string{"F"}, []string{"M"}, ""), `"credit"`, `"nope"`, 1), "model", []string{`"nope" is not a known model`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runQuality(t, e, tc.query)
			checkQueryError(t, err, tc.option, tc.parts...)
		})
	}

	t.Run("protected value never seen", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("disparate_impact", "tags.sex", []string{"female"}, []string{"M"}, ""))
		if !hasNotice(res, Warning, "fairness.protected", `"female"`, "protected group is empty", `"F" (4)`, `"M" (4)`, `"X" (4)`) {
			t.Fatalf("notices %+v do not name the missing value and the values seen", res.Notices)
		}
		for _, s := range res.Series {
			for _, p := range s.Points {
				if p.Value.Valid() {
					t.Errorf("disparate impact without a protected group: %v, want absent", p.Value)
				}
			}
		}
	})
	t.Run("one of several values never seen", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("statistical_parity_difference", "tags.sex", []string{"F", "f"}, []string{"M"}, `,"minGroupSize":1`))
		if !hasNotice(res, Info, "fairness.protected", `"f"`, "values seen") || hasNotice(res, Warning, "fairness.protected") {
			t.Fatalf("notices %+v", res.Notices)
		}
		if len(res.Series) != 1 || !res.Series[0].Points[0].Value.Valid() {
			t.Fatalf("series %s", describeSeries(res))
		}
	})
	t.Run("all values seen", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("disparate_impact", "tags.sex", []string{"F"}, []string{"M"}, ""))
		for _, n := range res.Notices {
			if strings.Contains(n.Text, "values seen") {
				t.Fatalf("unexpected notice %q", n.Text)
			}
		}
	})
}
