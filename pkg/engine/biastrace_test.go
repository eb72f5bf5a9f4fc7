package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// biasGolden is the bias_trace case of golden/metrics.json.
type biasGolden struct {
	Rows            []map[string]string `json:"rows"`
	Protected       []string            `json:"protected"`
	ReferenceGroups []string            `json:"reference_groups"`
	Favorable       string              `json:"favorable"`
	Expected        struct {
		DisparateImpact float64 `json:"disparate_impact"`
		Segments        []struct {
			Feature         string  `json:"feature"`
			Value           string  `json:"value"`
			Count           int64   `json:"count"`
			DisparateImpact float64 `json:"disparate_impact"`
			Contribution    float64 `json:"contribution"`
		} `json:"segments"`
	} `json:"expected"`
}

func loadBiasGolden(t *testing.T) biasGolden {
	t.Helper()
	cases := goldenCases[json.RawMessage](t)
	for _, c := range cases {
		var head struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(c, &head); err != nil {
			t.Fatal(err)
		}
		if head.Name == "bias-trace" {
			var g biasGolden
			if err := json.Unmarshal(c, &g); err != nil {
				t.Fatal(err)
			}
			return g
		}
	}
	t.Fatal("golden case bias-trace not found")
	return biasGolden{}
}

// biasRecord is one row: categorical features, a numeric age, the group as a
// tag and a feature, and a prediction (none when empty).
func biasRecord(i int, at time.Time, env string, row map[string]string, age float64) store.Record {
	r := store.Record{
		Line: i + 1, Model: "credit", ID: fmt.Sprintf("b%d", i), Version: "v1", Environment: env, Time: at,
		Tags: []store.Tag{{Name: "group", Value: row["group"], Set: true}},
	}
	for _, name := range []string{"region", "product"} {
		if v, ok := row[name]; ok {
			r.Features = append(r.Features, store.Feature{Name: name, Value: store.Str(v)})
		}
	}
	r.Features = append(r.Features, store.Feature{Name: "age", Value: store.Num(age)})
	if p := row["prediction"]; p != "" {
		r.Prediction = store.Outcome{Label: p, HasLabel: true}
	}
	if a := row["actual"]; a != "" {
		r.Actual = store.Outcome{Label: a, HasLabel: true}
		r.ActualTime = at
	}
	return r
}

func biasQuery(extra string) string {
	return `{"queryType":"biasTrace","model":"credit","environment":"production",` +
		`"fairness":{"attribute":"tags.group","protected":["F"],"reference":["M"],"favorable":"1"}` + extra + `}`
}

// biasRow is one row of a bias trace table.
type biasRow struct {
	feature, value, feature2, value2 string
	count, protected, reference      int64
	di, contribution                 metrics.Optional
	metric                           map[string]metrics.Optional
	tooSmall                         bool
	time                             time.Time
}

func (r biasRow) label() string {
	if r.feature2 != "" {
		return r.feature + "=" + r.value + " & " + r.feature2 + "=" + r.value2
	}
	return r.feature + "=" + r.value
}

// biasRows reads a table of a bias trace answer by column name.
func biasRows(t *testing.T, res *Result, name string) []biasRow {
	t.Helper()
	var tab *Table
	for i := range res.Tables {
		if res.Tables[i].Name == name {
			tab = &res.Tables[i]
		}
	}
	if tab == nil {
		t.Fatalf("no table %q in %d tables", name, len(res.Tables))
	}
	n := len(tab.Columns[0].Values)
	rows := make([]biasRow, n)
	for _, c := range tab.Columns {
		if len(c.Values) != n {
			t.Fatalf("column %s has %d values, want %d", c.Name, len(c.Values), n)
		}
		for i, v := range c.Values {
			r := &rows[i]
			switch c.Name {
			case "feature":
				r.feature = v.(string)
			case "value":
				r.value = v.(string)
			case "feature2":
				r.feature2 = v.(string)
			case "value2":
				r.value2 = v.(string)
			case "count":
				r.count = v.(int64)
			case "protected_count":
				r.protected = v.(int64)
			case "reference_count":
				r.reference = v.(int64)
			case "disparate_impact":
				r.di = v.(metrics.Optional)
			case "contribution":
				r.contribution = v.(metrics.Optional)
			case "too_small":
				r.tooSmall = v.(bool)
			case "time":
				r.time = v.(time.Time)
			default:
				if r.metric == nil {
					r.metric = map[string]metrics.Optional{}
				}
				r.metric[c.Name] = v.(metrics.Optional)
			}
		}
	}
	return rows
}

func biasGoldenEngine(t *testing.T, g biasGolden) *Engine {
	t.Helper()
	batch := make([]store.Record, len(g.Rows))
	for i, row := range g.Rows {
		batch[i] = biasRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "production", row, float64(18+i%60))
	}
	return qualityEngine(t, Limits{}, batch)
}

func TestBiasTraceGolden(t *testing.T) {
	g := loadBiasGolden(t)
	if len(g.Protected) != 1 || g.Protected[0] != "F" || len(g.ReferenceGroups) != 1 || g.ReferenceGroups[0] != "M" || g.Favorable != "1" {
		t.Fatalf("golden groups %v vs %v favourable %q; the query below uses F vs M, 1", g.Protected, g.ReferenceGroups, g.Favorable)
	}
	e := biasGoldenEngine(t, g)
	for _, overTime := range []bool{false, true} {
		t.Run(fmt.Sprintf("overTime=%v", overTime), func(t *testing.T) {
			extra := `,"features":["region","product"]`
			if overTime {
				extra += `,"overTime":true,"interval":"1d"`
			}
			res := mustRunQuality(t, e, biasQuery(extra))
			rows := biasRows(t, res, BiasTraceTable)
			if len(rows) != len(g.Expected.Segments) {
				t.Fatalf("%d segments, want %d", len(rows), len(g.Expected.Segments))
			}
			got := map[string]biasRow{}
			for _, r := range rows {
				got[r.label()] = r
			}
			for _, s := range g.Expected.Segments {
				r, ok := got["features."+s.Feature+"="+s.Value]
				if !ok {
					t.Fatalf("no segment %s=%s", s.Feature, s.Value)
				}
				if r.count != s.Count || r.protected+r.reference != r.count || r.tooSmall {
					t.Errorf("%s: count %d (%d + %d), too small %v; want %d", r.label(), r.count, r.protected, r.reference, r.tooSmall, s.Count)
				}
				checkOptional(t, r.label()+" disparate impact", r.di, s.DisparateImpact, true)
				checkOptional(t, r.label()+" contribution", r.contribution, s.Contribution, true)
			}
			want := append(g.Expected.Segments[:0:0], g.Expected.Segments...)
			sort.Slice(want, func(i, j int) bool { return want[i].Contribution > want[j].Contribution })
			for i, s := range want {
				if rows[i].label() != "features."+s.Feature+"="+s.Value {
					t.Errorf("rank %d: %s, want %s=%s", i+1, rows[i].label(), s.Feature, s.Value)
				}
			}
			di, ok := res.Meta["disparateImpact"].(metrics.Optional)
			if !ok {
				t.Fatalf("meta disparateImpact = %#v", res.Meta["disparateImpact"])
			}
			checkOptional(t, "overall disparate impact", di, g.Expected.DisparateImpact, true)
			if res.Meta["records"] != int64(len(g.Rows)) {
				t.Errorf("records %v, want %d", res.Meta["records"], len(g.Rows))
			}
			if !overTime {
				if len(res.Tables) != 1 {
					t.Errorf("%d tables without overTime", len(res.Tables))
				}
				return
			}
			// One day bucket holds every row: the same numbers per bucket.
			byTime := biasRows(t, res, BiasTraceOverTimeTable)
			if len(byTime) != len(rows) {
				t.Fatalf("%d rows over time, want %d", len(byTime), len(rows))
			}
			for i, r := range byTime {
				if r.label() != rows[i].label() || !r.time.Equal(qualityT0) || r.count != rows[i].count {
					t.Errorf("over time row %d: %s at %s count %d; want %s at %s count %d", i, r.label(), r.time, r.count, rows[i].label(), qualityT0, rows[i].count)
				}
				v, _ := rows[i].contribution.Get()
				checkOptional(t, r.label()+" bucket contribution", r.contribution, v, true)
			}
		})
	}
}

// TestBiasTraceMinCountAndLimit: segments under minCount are flagged and come
// after the ranked ones; limit cuts the list with a notice.
func TestBiasTraceMinCountAndLimit(t *testing.T) {
	g := loadBiasGolden(t)
	e := biasGoldenEngine(t, g)
	// 750 splits the golden segments: product auto (748) and card (710) are small.
	res := mustRunQuality(t, e, biasQuery(`,"features":["region","product"],"minCount":750`))
	rows := biasRows(t, res, BiasTraceTable)
	var order []string
	for _, r := range rows {
		order = append(order, fmt.Sprintf("%s:%v", r.label(), r.tooSmall))
	}
	want := []string{
		"features.region=south:false", "features.product=mortgage:false", "features.product=loan:false",
		"features.region=north:false", "features.region=east:false",
		"features.product=card:true", "features.product=auto:true",
	}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("order\n got %v\nwant %v", order, want)
	}
	if !hasNotice(res, Info, "2 of the segments shown have fewer than 750 records") {
		t.Errorf("notices %v", res.Notices)
	}
	cut := mustRunQuality(t, e, biasQuery(`,"features":["region","product"],"limit":3`))
	rows = biasRows(t, cut, BiasTraceTable)
	if len(rows) != 3 || rows[0].label() != "features.region=south" || rows[2].label() != "features.product=card" {
		t.Errorf("limit 3: %v", rows)
	}
	if !hasNotice(cut, Warning, "showing the first 3 of 7 segments") || cut.Meta["segments"] != 7 {
		t.Errorf("limit notice: %v, meta %v", cut.Notices, cut.Meta)
	}
}

// handDI computes disparate impact and contribution by direct counting.
type handCounts struct{ p, ps, r, rs float64 }

func (c handCounts) di() (float64, bool) {
	if c.p == 0 || c.r == 0 || c.rs == 0 {
		return 0, false
	}
	return (c.ps / c.p) / (c.rs / c.r), true
}

func handContribution(all, seg handCounts) (float64, bool) {
	out := handCounts{all.p - seg.p, all.ps - seg.ps, all.r - seg.r, all.rs - seg.rs}
	a, ok1 := all.di()
	o, ok2 := out.di()
	if !ok1 || !ok2 || a == 0 || o == 0 {
		return 0, false
	}
	return math.Abs(math.Log(a)) - math.Abs(math.Log(o)), true
}

// TestBiasTracePairs checks pair segments against counts taken from the raw rows.
func TestBiasTracePairs(t *testing.T) {
	g := loadBiasGolden(t)
	e := biasGoldenEngine(t, g)
	var all handCounts
	pairs := map[string]handCounts{}
	for _, row := range g.Rows {
		k := "features.region=" + row["region"] + " & features.product=" + row["product"]
		c := pairs[k]
		for _, x := range []*handCounts{&all, &c} {
			if row["group"] == "F" {
				x.p++
				if row["prediction"] == "1" {
					x.ps++
				}
			} else {
				x.r++
				if row["prediction"] == "1" {
					x.rs++
				}
			}
		}
		pairs[k] = c
	}
	res := mustRunQuality(t, e, biasQuery(`,"features":["region","product"],"pairs":true`))
	rows := biasRows(t, res, BiasTraceTable)
	if len(rows) != 7+len(pairs) {
		t.Fatalf("%d segments, want 7 single and %d pairs", len(rows), len(pairs))
	}
	singles, last := 0, math.Inf(1)
	for _, r := range rows {
		if r.tooSmall {
			t.Errorf("%s too small with %d records", r.label(), r.count)
		}
		if v, ok := r.contribution.Get(); ok {
			if v > last {
				t.Errorf("%s ranked after a smaller contribution", r.label())
			}
			last = v
		}
		if r.feature2 == "" {
			singles++
			continue
		}
		c, ok := pairs[r.label()]
		if !ok {
			t.Fatalf("unexpected pair %s", r.label())
		}
		if r.count != int64(c.p+c.r) || r.protected != int64(c.p) {
			t.Errorf("%s: %d records (%d protected), want %v (%v)", r.label(), r.count, r.protected, c.p+c.r, c.p)
		}
		di, ok := c.di()
		checkOptional(t, r.label()+" disparate impact", r.di, di, ok)
		contrib, ok := handContribution(all, c)
		checkOptional(t, r.label()+" contribution", r.contribution, contrib, ok)
	}
	if singles != 7 {
		t.Errorf("%d single segments, want 7", singles)
	}
}

// TestBiasTraceNumericBinsAndOverTime: a numeric feature is cut at the deciles
// of the query's records (or of the training environment); per-bucket numbers
// compare each bucket's segment with the bucket's records.
func TestBiasTraceNumericBinsAndOverTime(t *testing.T) {
	h0, h1 := qualityT0.Add(10*time.Minute), qualityT0.Add(70*time.Minute)
	var batch []store.Record
	// 100 production records, ages 1…100; F for odd ages. Favourable: age > 50
	// for M, age > 80 for F. The first 60 in hour 0, the rest in hour 1.
	for i := 0; i < 100; i++ {
		age := float64(i + 1)
		group, pred := "M", "0"
		if i%2 == 0 {
			group = "F"
		}
		if (group == "M" && age > 50) || (group == "F" && age > 80) {
			pred = "1"
		}
		at := h0
		if i >= 60 {
			at = h1
		}
		batch = append(batch, biasRecord(i, at, "production", map[string]string{"group": group, "region": "north", "prediction": pred}, age))
	}
	// Training ages 1001…1010 would put every production age in the first bin.
	for i := 0; i < 10; i++ {
		batch = append(batch, biasRecord(100+i, h0, "training", map[string]string{"group": "F", "region": "north", "prediction": "0"}, float64(1001+i)))
	}
	e := qualityEngine(t, Limits{}, batch)
	res := mustRunQuality(t, e, biasQuery(`,"features":["age"],"minCount":1,"overTime":true,"interval":"1h"`))
	// numpy.quantile(1…100, k/10) = 10.9, 20.8, …, 90.1.
	wantEdges := []float64{10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.1}
	edges := res.Meta["edges"].(map[string][]float64)["features.age"]
	if len(edges) != len(wantEdges) {
		t.Fatalf("edges %v, want %v", edges, wantEdges)
	}
	for i := range edges {
		if !closeRel(edges[i], wantEdges[i], 1e-12) {
			t.Errorf("edge %d = %v, want %v", i, edges[i], wantEdges[i])
		}
	}
	rows := biasRows(t, res, BiasTraceTable)
	counts := map[string]biasRow{}
	for _, r := range rows {
		counts[r.value] = r
	}
	all := handCounts{p: 50, ps: 10, r: 50, rs: 25}
	for b := 0; b < 10; b++ {
		var label string
		lo, hi := 10*b, 10*b+10 // ages lo+1 … hi
		num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
		switch b {
		case 0:
			label = "(−∞, " + num(edges[0]) + "]"
		case 9:
			label = "(" + num(edges[8]) + ", +∞)"
		default:
			label = "(" + num(edges[b-1]) + ", " + num(edges[b]) + "]"
		}
		r, ok := counts[label]
		if !ok {
			t.Fatalf("no segment %q in %v", label, rows)
		}
		var c handCounts
		for age := lo + 1; age <= hi; age++ {
			if age%2 == 1 {
				c.p++
				if age > 80 {
					c.ps++
				}
			} else {
				c.r++
				if age > 50 {
					c.rs++
				}
			}
		}
		if r.count != 10 || r.protected != int64(c.p) {
			t.Errorf("%s: %d records, %d protected", label, r.count, r.protected)
		}
		di, ok := c.di()
		checkOptional(t, label+" disparate impact", r.di, di, ok)
		contrib, ok := handContribution(all, c)
		checkOptional(t, label+" contribution", r.contribution, contrib, ok)
	}
	// Segments whose reference group has no favourable prediction have no DI:
	// null, never 0 or Inf.
	if r := counts["(−∞, 10.9]"]; r.di.Valid() {
		t.Errorf("first decile DI %v, want absent", r.di)
	}
	// Over time: bin (50.5, 60.4] = ages 51…60, all in hour 0.
	// Hour 0 totals: ages 1…60: F 30 (0 favourable), M 30 (5 favourable: 52…60).
	for _, r := range biasRows(t, res, BiasTraceOverTimeTable) {
		if r.value != "(50.5, 60.4]" {
			continue
		}
		if !r.time.Equal(qualityT0) || r.count != 10 {
			t.Errorf("bin (50.5, 60.4] over time: %s, %d records", r.time, r.count)
		}
		checkOptional(t, "hour 0 DI", r.di, 0, true)
		// DI(hour 0) = 0, so the contribution is undefined.
		checkOptional(t, "hour 0 contribution", r.contribution, 0, false)
	}

	// Bins from the training environment: one bin (−∞, 1001.9] holds everything.
	ref := mustRunQuality(t, e, biasQuery(`,"features":["age"],"minCount":1,"reference":{"type":"environment","environment":"training"}`))
	rows = biasRows(t, ref, BiasTraceTable)
	if len(rows) != 1 || rows[0].value != "(−∞, 1001.9]" || rows[0].count != 100 {
		t.Errorf("training bins: %v", rows)
	}
	if ref.Meta["binReference"] != "environment training" {
		t.Errorf("bin reference %v", ref.Meta["binReference"])
	}
}

// TestBiasTraceMetrics: the query's metric per segment, beside DI.
func TestBiasTraceMetrics(t *testing.T) {
	at := qualityT0.Add(time.Minute)
	rows := []map[string]string{
		// north: F 2 rows (1 fav pred, actual 1 both), M 2 rows (2 fav, actual 1 and 0).
		{"group": "F", "region": "north", "prediction": "1", "actual": "1"},
		{"group": "F", "region": "north", "prediction": "0", "actual": "1"},
		{"group": "M", "region": "north", "prediction": "1", "actual": "1"},
		{"group": "M", "region": "north", "prediction": "1", "actual": "0"},
		// south: F 1 row without actual, M 1 row.
		{"group": "F", "region": "south", "prediction": "1"},
		{"group": "M", "region": "south", "prediction": "0", "actual": "0"},
		// a record without prediction is left out.
		{"group": "F", "region": "south", "actual": "1"},
	}
	var batch []store.Record
	for i, r := range rows {
		batch = append(batch, biasRecord(i, at, "production", r, 30))
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, tc := range []struct {
		metric string
		want   map[string]map[string]float64 // segment → column → value (NaN = absent)
	}{
		{"statistical_parity_difference", map[string]map[string]float64{
			"north": {"statistical_parity_difference": 0.5 - 1},
			"south": {"statistical_parity_difference": 1 - 0},
		}},
		{"equal_opportunity_difference", map[string]map[string]float64{
			"north": {"equal_opportunity_difference": 0.5 - 1},
			"south": {"equal_opportunity_difference": math.NaN()}, // no F actual, no M positive
		}},
		{"selection_rate", map[string]map[string]float64{
			"north": {"selection_rate_protected": 0.5, "selection_rate_reference": 1},
			"south": {"selection_rate_protected": 1, "selection_rate_reference": 0},
		}},
		{"predictive_parity_ratio", map[string]map[string]float64{
			"north": {"predictive_parity_ratio": 1 / 0.5},
			"south": {"predictive_parity_ratio": math.NaN()},
		}},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			res := mustRunQuality(t, e, biasQuery(fmt.Sprintf(`,"features":["region"],"minCount":1,"metric":%q`, tc.metric)))
			for _, r := range biasRows(t, res, BiasTraceTable) {
				want := tc.want[r.value]
				if len(r.metric) != len(want) {
					t.Errorf("%s: columns %v, want %v", r.value, r.metric, want)
				}
				for col, w := range want {
					checkOptional(t, r.value+" "+col, r.metric[col], w, !math.IsNaN(w))
				}
				if r.value == "south" {
					// DI: SR(F) = 1, SR(M) = 0: undefined.
					checkOptional(t, "south DI", r.di, 0, false)
				}
			}
			if !hasNotice(res, Warning, "1 record has no predicted label and is left out") {
				t.Errorf("notices %v", res.Notices)
			}
		})
	}
}

func TestBiasTraceBadInput(t *testing.T) {
	at := qualityT0.Add(time.Minute)
	var batch []store.Record
	for i, g := range []string{"F", "M", "M", "X"} {
		batch = append(batch, biasRecord(i, at, "production", map[string]string{"group": g, "region": "north", "prediction": "1"}, 40))
	}
	batch[0].Features = append(batch[0].Features, store.Feature{Name: "score_band", Value: store.Num(3)})
	e := qualityEngine(t, Limits{}, batch)
	groups := func(attr, p, r string) string {
		return fmt.Sprintf(`{"queryType":"biasTrace","model":"credit","fairness":{"attribute":%q,"protected":[%q],"reference":[%q]}`, attr, p, r)
	}
	for _, tc := range []struct {
		name, query string
		option      string
		want        []string
	}{
		{"unknown feature", groups("tags.group", "F", "M") + `,"features":["region","incom"]}`, "features[1]",
			[]string{`model "credit" has no feature "incom"`, "age", "region"}},
		{"unknown tag", groups("tags.group", "F", "M") + `,"features":["tags.chanel"]}`, "features[0]", []string{`no tag "chanel"`}},
		{"numeric attribute", groups("features.age", "40", "30") + `,"features":["region"]}`, "fairness.attribute",
			[]string{"features.age is numeric", "must be categorical"}},
		{"no protected records", groups("tags.group", "Q", "M") + `,"features":["region"]}`, "fairness.protected",
			[]string{`tags.group = "Q"`, "no protected group", `"F" (1)`, `"M" (2)`, `"X" (1)`}},
		{"no reference records", groups("tags.group", "F", "Z") + `,"features":["region"]}`, "fairness.reference",
			[]string{`tags.group = "Z"`, "no reference group"}},
		{"outcome traced", groups("tags.group", "F", "M") + `,"features":["prediction.label"]}`, "features[0]", []string{"is an outcome"}},
		{"attribute traced", groups("tags.group", "F", "M") + `,"features":["region","tags.group"]}`, "features[1]", []string{"protected attribute itself"}},
		{"reference type", groups("tags.group", "F", "M") + `,"features":["age"],"reference":{"type":"rolling","window":"1d"}}`, "reference.type",
			[]string{`"rolling"`, "type environment"}},
		{"empty reference", groups("tags.group", "F", "M") + `,"features":["age"],"reference":{"type":"environment","environment":"training"}}`, "reference",
			[]string{"features.age has no value in the reference (environment training)"}},
		{"uniform bins", groups("tags.group", "F", "M") + `,"features":["age"],"binning":{"strategy":"uniform"}}`, "binning.strategy",
			[]string{"quantiles only"}},
		{"too many buckets", groups("tags.group", "F", "M") + `,"features":["region"],"overTime":true,"interval":"1m"}`, "interval",
			[]string{"at most 500 time buckets", "1440"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runQuality(t, e, tc.query)
			var qe *models.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v (%T), want a query error", err, err)
			}
			if qe.Option != tc.option {
				t.Errorf("option %q, want %q (%v)", qe.Option, tc.option, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
	// No record at all in the range: an empty table and a notice, not an error.
	q, err := models.Parse(models.Request{JSON: []byte(groups("tags.group", "F", "M") + `,"features":["region"]}`),
		From: qualityT0.Add(48 * time.Hour), To: qualityT0.Add(72 * time.Hour)}, models.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if rows := biasRows(t, res, BiasTraceTable); len(rows) != 0 || !hasNotice(res, Warning, "no record in the time range") {
		t.Errorf("empty range: %d rows, notices %v", len(rows), res.Notices)
	}
	// Without features every feature but the attribute is traced.
	res = mustRunQuality(t, e, groups("tags.group", "F", "M")+`,"minCount":1}`)
	traced := map[string]bool{}
	for _, r := range biasRows(t, res, BiasTraceTable) {
		traced[r.feature] = true
	}
	if len(traced) != 3 || !traced["features.region"] || !traced["features.age"] || !traced["features.score_band"] {
		t.Errorf("default features: %v", traced)
	}
}

// TestBiasTraceDemo: in the demo, v2 learned a penalty for women that is
// heavy in region south, so south leads v2's trace of tags.sex over region.
func TestBiasTraceDemo(t *testing.T) {
	cfg := demo.Config{Days: 30, Seed: 7, Scale: 0.05, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	e, sum := demoEngine(t, cfg)
	run := func(version string) []biasRow {
		res := mustQuery(t, e, sum.Start, sum.End, fmt.Sprintf(
			`{"queryType":"biasTrace","model":"credit-risk","versions":[%q],"environment":"production","features":["region","employment_type","tags.channel"],`+
				`"fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"}}`, version))
		return biasRows(t, res, BiasTraceTable)
	}
	v2 := run("v2")
	if len(v2) == 0 || v2[0].label() != "features.region=south" {
		t.Fatalf("v2 trace: %v", v2)
	}
	if c, _ := v2[0].contribution.Get(); !(c > 0) {
		t.Errorf("south contribution %v, want positive", v2[0].contribution)
	}
	if di, _ := v2[0].di.Get(); !(di < 0.8) {
		t.Errorf("south DI %v in v2, want below the four-fifths band", v2[0].di)
	}
	for _, r := range run("v1") {
		if r.label() != "features.region=south" {
			continue
		}
		if di, _ := r.di.Get(); !(di > 0.8 && di < 1.25) {
			t.Errorf("v1 is fair, yet south DI = %v", r.di)
		}
	}
}
