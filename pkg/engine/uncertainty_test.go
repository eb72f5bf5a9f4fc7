package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// fairnessCICase is a fairness_ci golden case (golden/README.md).
type fairnessCICase struct {
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	Group           []string  `json:"group"`
	Prediction      []*string `json:"prediction"`
	Actual          []*string `json:"actual"`
	Protected       []string  `json:"protected"`
	ReferenceGroups []string  `json:"reference_groups"`
	Alpha           float64   `json:"alpha"`
	MinGroupSize    *int      `json:"min_group_size"`
	Expected        map[string]struct {
		Value, Lower, Upper *float64
	} `json:"expected"`
}

func loadFairnessCI(t *testing.T, name string) fairnessCICase {
	t.Helper()
	raw, err := os.ReadFile("../../../shared/golden/metrics-2.json")
	if err != nil {
		t.Fatalf("reading golden cases: %v", err)
	}
	var file struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, rc := range file.Cases {
		var head struct{ Name, Kind string }
		if err := json.Unmarshal(rc, &head); err != nil {
			t.Fatal(err)
		}
		if head.Name != name {
			continue
		}
		var c fairnessCICase
		if err := json.Unmarshal(rc, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Fatalf("golden case %q not found", name)
	return fairnessCICase{}
}

func (c fairnessCICase) engine(t *testing.T) *Engine {
	t.Helper()
	batch := make([]store.Record, len(c.Group))
	for i := range c.Group {
		pred, actual := "", ""
		if c.Prediction[i] != nil {
			pred = *c.Prediction[i]
		}
		if c.Actual[i] != nil {
			actual = *c.Actual[i]
		}
		batch[i] = fairRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "v1", c.Group[i], pred, actual)
	}
	return qualityEngine(t, Limits{}, batch)
}

func checkBoundPoint(t *testing.T, what string, got metrics.Optional, want *float64) {
	t.Helper()
	if want == nil {
		checkOptional(t, what, got, 0, false)
		return
	}
	checkOptional(t, what, got, *want, true)
}

// seriesByBound splits a result's series by their bound label ("" = value).
func seriesByBound(t *testing.T, res *Result) map[string]Series {
	t.Helper()
	out := map[string]Series{}
	for _, s := range res.Series {
		l := labelMap(s)
		key := l["group"] + "/" + l["bound"]
		if _, dup := out[key]; dup {
			t.Fatalf("two series for %s: %s", key, describeSeries(res))
		}
		out[key] = s
	}
	return out
}

func TestFairnessConfidenceGolden(t *testing.T) {
	c := loadFairnessCI(t, "fairness-ci")
	e := c.engine(t)
	// The case sets no minimum group size (its favourable actuals are 23 and 33).
	conf := fmt.Sprintf(`,"interval":"1d","confidence":%v,"minGroupSize":1`, 1-c.Alpha)
	for _, metric := range []string{"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference"} {
		t.Run(metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fairQuery(metric, "tags.sex", c.Protected, c.ReferenceGroups, conf))
			want := c.Expected[metric]
			by := seriesByBound(t, res)
			if len(by) != 3 {
				t.Fatalf("want the value and two bound series, got %s", describeSeries(res))
			}
			for bound, w := range map[string]*float64{"": want.Value, "lower": want.Lower, "upper": want.Upper} {
				s, ok := by["/"+bound]
				if !ok || len(s.Points) != 1 {
					t.Fatalf("no single-point series for bound %q: %s", bound, describeSeries(res))
				}
				checkBoundPoint(t, metric+" "+bound, s.Points[0].Value, w)
			}
			if s := by["/upper"]; s.Name != metric+" v1 tags.sex upper bound (95%)" || labelMap(s)["metric"] != metric {
				t.Errorf("upper series %q labels %v", s.Name, s.Labels)
			}
			if res.Meta["confidence"] != 1-c.Alpha || res.Meta["smallGroupPoints"] != 0 {
				t.Errorf("meta %v", res.Meta)
			}
		})
	}
	t.Run("selection_rate", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("selection_rate", "tags.sex", c.Protected, c.ReferenceGroups, conf))
		by := seriesByBound(t, res)
		if len(by) != 6 {
			t.Fatalf("want three series per group, got %s", describeSeries(res))
		}
		for _, group := range []string{"protected", "reference"} {
			want := c.Expected["selection_rate_"+group]
			for bound, w := range map[string]*float64{"": want.Value, "lower": want.Lower, "upper": want.Upper} {
				checkBoundPoint(t, group+" "+bound, by[group+"/"+bound].Points[0].Value, w)
			}
		}
	})
	t.Run("bound upper alone", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("disparate_impact", "tags.sex", c.Protected, c.ReferenceGroups, conf+`,"bound":"upper"`))
		if len(res.Series) != 1 || labelMap(res.Series[0])["bound"] != "upper" {
			t.Fatalf("want the upper bound series only, got %s", describeSeries(res))
		}
		checkBoundPoint(t, "upper", res.Series[0].Points[0].Value, c.Expected["disparate_impact"].Upper)
	})
	t.Run("no confidence, no bounds", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("disparate_impact", "tags.sex", c.Protected, c.ReferenceGroups, `,"interval":"1d"`))
		checkBoundPoint(t, "value", onlyPoint(t, res), c.Expected["disparate_impact"].Value)
	})
}

func TestFairnessMinGroupSize(t *testing.T) {
	c := loadFairnessCI(t, "fairness-ci-small-group")
	if c.MinGroupSize == nil || *c.MinGroupSize != 30 {
		t.Fatalf("the golden case's minimum group size is %v; the test uses the default 30", c.MinGroupSize)
	}
	e := c.engine(t)
	conf := fmt.Sprintf(`,"interval":"1d","confidence":%v`, 1-c.Alpha)
	for metric, want := range c.Expected {
		t.Run(metric, func(t *testing.T) {
			// The default minimum group size (30) leaves the point and its bounds absent.
			res := mustRunQuality(t, e, fairQuery(metric, "tags.sex", c.Protected, c.ReferenceGroups, conf))
			by := seriesByBound(t, res)
			for bound, w := range map[string]*float64{"": want.Value, "lower": want.Lower, "upper": want.Upper} {
				s := by["/"+bound]
				if len(s.Points) != 1 {
					t.Fatalf("bound %q: %s", bound, describeSeries(res))
				}
				checkBoundPoint(t, bound, s.Points[0].Value, w)
			}
			if !hasNotice(res, Info, "1 of 1 points are absent", "fewer than 30 records", "minGroupSize") || res.Meta["smallGroupPoints"] != 1 {
				t.Errorf("notices %+v meta %v", res.Notices, res.Meta)
			}
			// minGroupSize 1 gives them back.
			res = mustRunQuality(t, e, fairQuery(metric, "tags.sex", c.Protected, c.ReferenceGroups, conf+`,"minGroupSize":1`))
			for _, s := range res.Series {
				if !s.Points[0].Value.Valid() {
					t.Errorf("%s absent with minGroupSize 1", s.Name)
				}
			}
			if hasNotice(res, Info, "points are absent") {
				t.Errorf("notices %+v", res.Notices)
			}
		})
	}
	t.Run("selection_rate counts each group alone", func(t *testing.T) {
		res := mustRunQuality(t, e, fairQuery("selection_rate", "tags.sex", c.Protected, c.ReferenceGroups, conf))
		by := seriesByBound(t, res)
		if by["protected/"].Points[0].Value.Valid() || !by["reference/"].Points[0].Value.Valid() || !by["reference/upper"].Points[0].Value.Valid() {
			t.Errorf("want the small protected group absent and the reference present: %s", describeSeries(res))
		}
		if !hasNotice(res, Info, "1 of 2 points are absent", "the group has fewer than 30") {
			t.Errorf("notices %+v", res.Notices)
		}
	})
}

func TestFairnessConfidenceBadInput(t *testing.T) {
	c := loadFairnessCI(t, "fairness-ci")
	e := c.engine(t)
	// Parse refuses these (pkg/models tests each); the engine says the same
	// when handed such a query directly.
	q, err := models.Parse(models.Request{JSON: []byte(fairQuery("disparate_impact", "tags.sex", c.Protected, c.ReferenceGroups, `,"confidence":0.95`)),
		From: qualityT0, To: qualityT0.Add(24 * time.Hour)}, models.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	q.Metric = "predictive_parity_ratio"
	_, err = e.Run(context.Background(), q)
	checkQueryError(t, err, "confidence", "predictive_parity_ratio has no confidence interval")
	for _, extra := range []string{`,"confidence":1.5`, `,"minGroupSize":-1`, `,"bound":"upper"`} {
		_, err := models.Parse(models.Request{JSON: []byte(fairQuery("disparate_impact", "tags.sex", c.Protected, c.ReferenceGroups, extra)),
			From: qualityT0, To: qualityT0.Add(24 * time.Hour)}, models.Limits{})
		var qe *models.QueryError
		if !errors.As(err, &qe) || qe.Option == "" {
			t.Errorf("%s: want a query error naming the option, got %v", extra, err)
		}
	}
}

// TestBiasTraceConfidence: with a confidence level, each segment carries its
// disparate impact's Katz interval, computed from the golden rows' counts.
func TestBiasTraceConfidence(t *testing.T) {
	g := loadBiasGolden(t)
	e := biasGoldenEngine(t, g)
	type sel struct{ xP, nP, xQ, nQ int64 }
	want := map[string]*sel{}
	for _, row := range g.Rows {
		if row["prediction"] == "" {
			continue
		}
		for _, f := range []string{"region", "product"} {
			v, ok := row[f]
			if !ok {
				continue
			}
			k := "features." + f + "=" + v
			if want[k] == nil {
				want[k] = &sel{}
			}
			s, fav := want[k], int64(0)
			if row["prediction"] == g.Favorable {
				fav = 1
			}
			switch row["group"] {
			case "F":
				s.nP++
				s.xP += fav
			case "M":
				s.nQ++
				s.xQ += fav
			}
		}
	}
	res := mustRunQuality(t, e, biasQuery(`,"features":["region","product"],"confidence":0.9,"overTime":true,"interval":"1d"`))
	for _, name := range []string{BiasTraceTable, BiasTraceOverTimeTable} {
		rows := biasRows(t, res, name)
		if len(rows) == 0 {
			t.Fatalf("%s: no rows", name)
		}
		for _, r := range rows {
			s := want[r.label()]
			if s == nil {
				t.Fatalf("%s: unexpected segment %s", name, r.label())
			}
			iv, err := metrics.RatioInterval(s.xP, s.nP, s.xQ, s.nQ, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			lo, lok := iv.Lower.Get()
			hi, hok := iv.Upper.Get()
			checkOptional(t, name+" "+r.label()+" lower", r.metric["disparate_impact_lower"], lo, lok)
			checkOptional(t, name+" "+r.label()+" upper", r.metric["disparate_impact_upper"], hi, hok)
			if lok && (!r.metric["disparate_impact_lower"].Valid() || !iv.Contains(mustGet(r.di))) {
				t.Errorf("%s: interval [%v, %v] does not hold its value %v", r.label(), lo, hi, r.di)
			}
		}
	}
	// Without a confidence level the columns are not there.
	res = mustRunQuality(t, e, biasQuery(`,"features":["region","product"]`))
	for _, r := range biasRows(t, res, BiasTraceTable) {
		if _, ok := r.metric["disparate_impact_lower"]; ok {
			t.Fatal("bound columns without a confidence level")
		}
	}
}

func mustGet(o metrics.Optional) float64 {
	v, _ := o.Get()
	return v
}
