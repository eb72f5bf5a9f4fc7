package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

var healthT0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// healthRecords makes a classifier's records: a reference in environment
// validation with actuals, and production records with and without actuals.
// amount is numeric (missing in 1 of 10 production records, shifted
// upwards); region is categorical with a new value in production.
func healthRecords() (ref, cur []store.Record) {
	rng := rand.New(rand.NewPCG(7, 11))
	make1 := func(i int, env string, tm time.Time, withActual bool) store.Record {
		x := rng.Float64()
		score := math.Round(x*50) / 50 // ties, as real scores have
		pred := "0"
		if score >= 0.5 {
			pred = "1"
		}
		region := []string{"north", "south", "east"}[rng.IntN(3)]
		amount := store.Num(math.Round(rng.NormFloat64()*10 + 50))
		if env == "production" {
			amount = store.Num(math.Round(rng.NormFloat64()*10 + 60))
			if i%10 == 3 {
				amount = store.Value{}
			}
			if i%7 == 0 {
				region = "central"
			}
		}
		r := store.Record{
			Line: i + 1, Model: "clf", ID: fmt.Sprintf("%s-%d", env, i), Version: "v1", Environment: env, Time: tm,
			Features:   []store.Feature{{Name: "amount", Value: amount}, {Name: "region", Value: store.Str(region)}},
			Prediction: store.Outcome{Label: pred, HasLabel: true, Score: score, HasScore: true},
		}
		if withActual {
			act := "0"
			if rng.Float64() < x*0.9+0.05 {
				act = "1"
			}
			r.Actual, r.ActualTime = store.Outcome{Label: act, HasLabel: true}, tm
		}
		return r
	}
	for i := 0; i < 800; i++ {
		ref = append(ref, make1(i, "validation", healthT0.Add(time.Duration(i)*time.Minute), true))
	}
	for i := 0; i < 1200; i++ {
		cur = append(cur, make1(i, "production", healthT0.Add(48*time.Hour+time.Duration(i)*time.Minute), i%2 == 0))
	}
	return ref, cur
}

func TestDataQualityMatchesDefinitions(t *testing.T) {
	ref, cur := healthRecords()
	e, _ := testEngine(t, Limits{}, healthT0, ref, cur)
	from, to := healthT0, healthT0.Add(5*24*time.Hour)
	// One bucket over production: compare with pkg/metrics on the raw values.
	var refAmount, curAmount []float64
	var refRegion, curRegion []*string
	for _, r := range ref {
		refAmount = append(refAmount, num(r.Features[0].Value))
		refRegion = append(refRegion, &r.Features[1].Value.Str)
	}
	for _, r := range cur {
		curAmount = append(curAmount, num(r.Features[0].Value))
		curRegion = append(curRegion, &r.Features[1].Value.Str)
	}
	nq := metrics.NumericDataQuality(refAmount, curAmount)
	cq := metrics.CategoricalDataQuality(refRegion, curRegion)
	want := map[string]metrics.Optional{
		"missing_rate": nq.MissingRate, "out_of_range_rate": nq.OutOfRangeRate, "mean": nq.Mean, "std": nq.Std,
		"min": nq.Min, "p05": nq.P05, "p25": nq.P25, "p50": nq.P50, "p75": nq.P75, "p95": nq.P95, "max": nq.Max, "distinct": nq.Distinct,
	}
	for metric, w := range want {
		res := mustQuery(t, e, from, to, fmt.Sprintf(`{"queryType":"dataQuality","model":"clf","environment":"production","features":["amount"],"metric":%q,"interval":"5d","reference":{"type":"environment","environment":"validation"}}`, metric))
		if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
			t.Fatalf("%s: %d series", metric, len(res.Series))
		}
		g, _ := res.Series[0].Points[0].Value.Get()
		wv, _ := w.Get()
		if math.Abs(g-wv) > 1e-9*math.Max(1, math.Abs(wv)) {
			t.Errorf("%s = %v, want %v", metric, g, wv)
		}
	}
	res := mustQuery(t, e, from, to, `{"queryType":"dataQuality","model":"clf","environment":"production","features":["region"],"metric":"new_category_rate","interval":"5d","reference":{"type":"environment","environment":"validation"}}`)
	g, _ := res.Series[0].Points[0].Value.Get()
	if w, _ := cq.NewCategoryRate.Get(); g != w || w == 0 {
		t.Errorf("new_category_rate = %v, want %v (not 0)", g, w)
	}
	// Default features with a numeric metric leave the categorical one out, saying so.
	res = mustQuery(t, e, from, to, `{"queryType":"dataQuality","model":"clf","metric":"mean","interval":"1d"}`)
	if len(res.Notices) == 0 || res.Series[0].Labels[2].Value != "amount" {
		t.Errorf("default features: series %+v notices %+v", res.Series, res.Notices)
	}
}

func num(v store.Value) float64 {
	if v.Kind != store.Numeric {
		return math.NaN()
	}
	return v.Num
}

func TestEstimatedPerformanceMatchesDefinitions(t *testing.T) {
	ref, cur := healthRecords()
	e, _ := testEngine(t, Limits{}, healthT0, ref, cur)
	var points []metrics.WeightedPoint
	for _, r := range ref {
		y := 0.0
		if r.Actual.Label == "1" {
			y = 1
		}
		points = append(points, metrics.WeightedPoint{X: r.Prediction.Score, Y: y, W: 1})
	}
	fit, err := metrics.FitIsotonic(points, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, calibration := range []string{"isotonic", "none"} {
		p := make([]float64, len(cur))
		pos := make([]bool, len(cur))
		var sc []metrics.ExpectedScoreCount
		for i, r := range cur {
			p[i] = r.Prediction.Score
			if calibration == "isotonic" {
				p[i] = fit.Predict(p[i])
			}
			pos[i] = r.Prediction.Label == "1"
			sc = append(sc, metrics.ExpectedScoreCount{Score: r.Prediction.Score, Count: 1, SumP: p[i]})
		}
		conf, err := metrics.ExpectedConfusionOf(p, pos)
		if err != nil {
			t.Fatal(err)
		}
		s := metrics.Estimated(conf)
		auc, _ := metrics.ExpectedAUC(sc)
		for metric, w := range map[string]metrics.Optional{"accuracy": s.Accuracy, "precision": s.Precision, "recall": s.Recall, "f1": s.F1, "auc": auc} {
			res := mustQuery(t, e, healthT0, healthT0.Add(5*24*time.Hour), fmt.Sprintf(
				`{"queryType":"estimatedPerformance","model":"clf","environment":"production","metric":%q,"calibration":%q,"interval":"5d"}`, metric, calibration))
			if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
				t.Fatalf("%s %s: series %+v", calibration, metric, res.Series)
			}
			g, _ := res.Series[0].Points[0].Value.Get()
			wv, ok := w.Get()
			if !ok || math.Abs(g-wv) > 1e-9*math.Abs(wv) {
				t.Errorf("%s %s = %.15g, want %.15g", calibration, metric, g, wv)
			}
		}
	}
}

func TestPerformanceTraceMatchesDefinitions(t *testing.T) {
	ref, cur := healthRecords()
	e, _ := testEngine(t, Limits{}, healthT0, ref, cur)
	res := mustQuery(t, e, healthT0, healthT0.Add(5*24*time.Hour),
		`{"queryType":"performanceTrace","model":"clf","environment":"production","metric":"accuracy","features":["region"],"minCount":100}`)
	if len(res.Tables) != 1 {
		t.Fatalf("tables: %+v", res.Tables)
	}
	tab := res.Tables[0]
	// Recount by hand: records with actuals, per region.
	type acc struct{ n, ok int64 }
	all, seg := acc{}, map[string]*acc{}
	for _, r := range cur {
		if !r.Actual.HasLabel {
			continue
		}
		v := r.Features[1].Value.Str
		if seg[v] == nil {
			seg[v] = &acc{}
		}
		good := int64(0)
		if r.Actual.Label == r.Prediction.Label {
			good = 1
		}
		all.n, all.ok = all.n+1, all.ok+good
		seg[v].n, seg[v].ok = seg[v].n+1, seg[v].ok+good
	}
	if len(tab.Columns[0].Values) != len(seg) {
		t.Fatalf("%d segments, want %d", len(tab.Columns[0].Values), len(seg))
	}
	prev := math.Inf(1)
	for i := range tab.Columns[0].Values {
		v := tab.Columns[1].Values[i].(string)
		s := seg[v]
		n := tab.Columns[2].Values[i].(int64)
		m, _ := tab.Columns[3].Values[i].(metrics.Optional).Get()
		c, _ := tab.Columns[4].Values[i].(metrics.Optional).Get()
		small := tab.Columns[5].Values[i].(bool)
		wantC := float64(all.ok-s.ok)/float64(all.n-s.n) - float64(all.ok)/float64(all.n)
		if n != s.n || math.Abs(m-float64(s.ok)/float64(s.n)) > 1e-12 || math.Abs(c-wantC) > 1e-12 || small != (s.n < 100) {
			t.Errorf("segment %s: count %d metric %v contribution %v small %v; want %d %v %v %v", v, n, m, c, small, s.n, float64(s.ok)/float64(s.n), wantC, s.n < 100)
		}
		if !small {
			if c > prev {
				t.Errorf("segment %s ranked after a smaller contribution", v)
			}
			prev = c
		}
	}
}

// setCounter records the rows of each set of the grouping-sets aggregates.
type setCounter struct {
	store.Store
	perSet []int
}

func (c *setCounter) Aggregate(ctx context.Context, req store.AggregateRequest) (*store.AggregateResult, error) {
	res, err := c.Store.Aggregate(ctx, req)
	if err == nil && len(req.Sets) > 0 {
		c.perSet = make([]int, len(req.Sets))
		for _, r := range res.Rows {
			c.perSet[r.Set]++
		}
	}
	return res, err
}

// A performance trace reads every feature in one pass, and the group limit
// holds for each feature as it would alone: past it together, the features
// are read one by one with the same answer; one feature past it alone is
// named.
func TestPerformanceTraceGroupLimitPerFeature(t *testing.T) {
	ref, cur := healthRecords()
	base, st := testEngine(t, Limits{}, healthT0, ref, cur)
	counter := &setCounter{Store: st}
	query := `{"queryType":"performanceTrace","model":"clf","environment":"production","metric":"auc","features":["amount","region"]}`
	from, to := healthT0, healthT0.Add(5*24*time.Hour)
	want := mustQuery(t, New(counter, base.Limits), from, to, query)
	if len(counter.perSet) != 2 || counter.perSet[0] <= counter.perSet[1] || counter.perSet[1] == 0 {
		t.Fatalf("rows per set %v: want amount's more than region's, both some", counter.perSet)
	}
	lim := base.Limits
	lim.MaxGroups = counter.perSet[0]
	got := mustQuery(t, New(st, lim), from, to, query)
	if fmt.Sprint(got.Tables) != fmt.Sprint(want.Tables) {
		t.Errorf("one feature at a time:\n%v\nin one pass:\n%v", got.Tables, want.Tables)
	}
	lim.MaxGroups--
	_, err := runQuery(t, New(st, lim), from, to, query)
	checkQueryError(t, err, "features", "features.amount has more than")
}

func TestHealthQueriesBadInput(t *testing.T) {
	ref, cur := healthRecords()
	reg := []store.Record{{Line: 1, Model: "eta", ID: "1", Version: "v1", Environment: "production", Time: healthT0.Add(50 * time.Hour),
		Features:   []store.Feature{{Name: "km", Value: store.Num(3)}},
		Prediction: store.Outcome{Value: 10, HasValue: true}, Actual: store.Outcome{Value: 12, HasValue: true}, ActualTime: healthT0.Add(50 * time.Hour)}}
	noRef := []store.Record{{Line: 1, Model: "fresh", ID: "1", Version: "v1", Environment: "production", Time: healthT0.Add(50 * time.Hour),
		Features:   []store.Feature{{Name: "km", Value: store.Num(3)}},
		Prediction: store.Outcome{Label: "1", HasLabel: true, Score: 0.7, HasScore: true}}}
	e, _ := testEngine(t, Limits{}, healthT0, ref, cur, reg, noRef)
	from, to := healthT0, healthT0.Add(5*24*time.Hour)
	for _, tc := range []struct {
		query, option string
		parts         []string
	}{
		{`{"queryType":"estimatedPerformance","model":"eta"}`, "queryType", []string{"regression model"}},
		{`{"queryType":"estimatedPerformance","model":"fresh"}`, "reference", []string{"no reference records with an actual"}},
		{`{"queryType":"dataQuality","model":"clf","features":["nope"]}`, "features[0]", []string{"no feature \"nope\""}},
		{`{"queryType":"dataQuality","model":"clf","features":["region"],"metric":"mean"}`, "features[0]", []string{"categorical"}},
		{`{"queryType":"dataQuality","model":"clf","features":["amount"],"metric":"new_category_rate"}`, "features[0]", []string{"numeric"}},
		{`{"queryType":"performanceTrace","model":"clf","features":["prediction.label"]}`, "features[0]", []string{"outcome"}},
		{`{"queryType":"performanceTrace","model":"clf","features":["zzz"]}`, "features[0]", []string{"no feature"}},
		{`{"queryType":"performanceTrace","model":"eta","metric":"accuracy"}`, "metric", []string{"regression"}},
		{`{"queryType":"performanceTrace","model":"clf","binning":{"strategy":"uniform"}}`, "binning.strategy", nil},
	} {
		_, err := runQuery(t, e, from, to, tc.query)
		checkQueryError(t, err, tc.option, tc.parts...)
	}
	// Option values the parser rejects.
	for _, tc := range []struct{ query, option string }{
		{`{"queryType":"estimatedPerformance","model":"clf","calibration":"platt"}`, "calibration"},
		{`{"queryType":"estimatedPerformance","model":"clf","metric":"rmse"}`, "metric"},
		{`{"queryType":"dataQuality","model":"clf","calibration":"none"}`, "calibration"},
		{`{"queryType":"dataQuality","model":"clf","metric":"psi"}`, "metric"},
		{`{"queryType":"dataQuality","model":"clf","reference":{"type":"rolling","window":"7d"}}`, "reference.type"},
	} {
		_, err := parseOnly(tc.query, from, to)
		checkQueryError(t, err, tc.option)
	}
}

// parseOnly parses a query without running it.
func parseOnly(query string, from, to time.Time) (*models.Query, error) {
	return models.Parse(models.Request{JSON: []byte(query), RefID: "A", From: from, To: to}, models.Limits{})
}

// TestEstimatedPerformanceTwoVersions checks that each version is calibrated
// on its own validation records when one pass serves both (the pieces of the
// union of their calibration points).
func TestEstimatedPerformanceTwoVersions(t *testing.T) {
	ref1, cur1 := healthRecords()
	ref2, cur2 := healthRecords()
	for _, rs := range [][]store.Record{ref2, cur2} {
		for i := range rs {
			rs[i].Version, rs[i].ID = "v2", "v2-"+rs[i].ID
			// v2's scores are squeezed: a different calibration map.
			rs[i].Prediction.Score = math.Round((0.25+rs[i].Prediction.Score/2)*100) / 100
		}
	}
	e, _ := testEngine(t, Limits{}, healthT0, ref1, cur1, ref2, cur2)
	res := mustQuery(t, e, healthT0, healthT0.Add(5*24*time.Hour),
		`{"queryType":"estimatedPerformance","model":"clf","environment":"production","metric":"f1","interval":"5d"}`)
	if len(res.Series) != 2 {
		t.Fatalf("%d series, want one per version", len(res.Series))
	}
	for i, pair := range [][2][]store.Record{{ref1, cur1}, {ref2, cur2}} {
		var points []metrics.WeightedPoint
		for _, r := range pair[0] {
			points = append(points, metrics.WeightedPoint{X: r.Prediction.Score, Y: map[bool]float64{true: 1}[r.Actual.Label == "1"], W: 1})
		}
		fit, err := metrics.FitIsotonic(points, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]float64, len(pair[1]))
		pos := make([]bool, len(pair[1]))
		for j, r := range pair[1] {
			p[j], pos[j] = fit.Predict(r.Prediction.Score), r.Prediction.Label == "1"
		}
		conf, _ := metrics.ExpectedConfusionOf(p, pos)
		want, _ := metrics.Estimated(conf).F1.Get()
		got, _ := res.Series[i].Points[0].Value.Get()
		if math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: estimated f1 %.15g, want %.15g", res.Series[i].Name, got, want)
		}
	}
}
