package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// driftT0 is the start of the current time range of these tests.
var driftT0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// driftRow is one record of model "m": numeric feature x (NaN: missing),
// categorical feature c ("": missing) and tag channel.
type driftRow struct {
	version, env string
	at           time.Time
	x            float64
	c            string
	channel      string
}

func (r driftRow) record(i int) store.Record {
	x := store.Num(r.x)
	if math.IsNaN(r.x) {
		x = store.Value{Kind: store.Missing}
	}
	c := store.Str(r.c)
	if r.c == "" {
		c = store.Value{Kind: store.Missing}
	}
	ch := r.channel
	if ch == "" {
		ch = "web"
	}
	return store.Record{
		Line: i + 1, Model: "m", ID: fmt.Sprintf("r%d", i), Version: r.version, Environment: r.env, Time: r.at,
		Features: []store.Feature{{Name: "x", Value: x}, {Name: "c", Value: c}},
		Tags:     []store.Tag{{Name: "channel", Value: ch, Set: true}},
	}
}

// driftEngine stores the rows in an in-memory DuckDB store. The first record
// carries every field so the catalog learns each feature's kind from it.
func driftEngine(t *testing.T, lim Limits, rows []driftRow) *Engine {
	t.Helper()
	first := driftRow{version: "seed", env: "seed", at: driftT0.Add(-1000 * 24 * time.Hour), x: 0, c: "seed"}
	batch := []store.Record{first.record(0)}
	for i, r := range rows {
		batch = append(batch, r.record(i+1))
	}
	e, _ := testEngine(t, lim, time.Time{}, batch)
	return e
}

func driftClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300)
}

// driftSeriesPoints maps series name → time → value (absent points as NaN).
func driftSeriesPoints(res *Result) map[string]map[time.Time]float64 {
	out := map[string]map[time.Time]float64{}
	for _, s := range res.Series {
		out[s.Name] = map[time.Time]float64{}
		for _, p := range s.Points {
			v, ok := p.Value.Get()
			if !ok {
				v = math.NaN()
			}
			out[s.Name][p.Time] = v
		}
	}
	return out
}

func driftDescribe(res *Result) string {
	var parts []string
	for _, s := range res.Series {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, p.Time.Format("01-02T15:04")+"="+p.Value.String())
		}
		parts = append(parts, fmt.Sprintf("%q[%s]", s.Name, strings.Join(pts, " ")))
	}
	var notes []string
	for _, n := range res.Notices {
		notes = append(notes, n.Text)
	}
	return fmt.Sprintf("%d series: %s; notices: %q", len(res.Series), strings.Join(parts, "; "), notes)
}

func driftHasNotice(res *Result, parts ...string) bool {
	for _, n := range res.Notices {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(n.Text, p)
		}
		if all {
			return true
		}
	}
	return false
}

// driftExpected computes a metric from raw values with the metrics package
// (NaN: missing), independently of the store.
func driftExpected(t *testing.T, metric string, b models.Binning, ref, cur []float64) metrics.Optional {
	t.Helper()
	if driftOnValues(metric) {
		d, err := metrics.DriftOfSamples(ref, cur)
		if errors.Is(err, metrics.ErrEmptySample) {
			return metrics.Absent()
		}
		if err != nil {
			t.Fatal(err)
		}
		return metrics.Some(map[string]float64{"ks": d.KS.Statistic, "ks_pvalue": d.KS.PValue,
			"wasserstein": d.Wasserstein, "wasserstein_norm": d.WassersteinNorm}[metric])
	}
	edges := metrics.QuantileEdges(ref, b.Bins)
	if b.Strategy == "uniform" {
		edges = metrics.UniformEdges(ref, b.Bins)
	}
	return driftFromHistograms(t, metric, metrics.NumericHistogram(edges, ref), metrics.NumericHistogram(edges, cur))
}

func driftFromHistograms(t *testing.T, metric string, ref, cur metrics.Histogram) metrics.Optional {
	t.Helper()
	d, err := metrics.DriftOfHistograms(ref, cur)
	if err != nil {
		t.Fatal(err)
	}
	return metrics.Some(map[string]float64{"psi": d.PSI, "kl": d.KL, "js": d.JS, "hellinger": d.Hellinger,
		"chi2": d.ChiSquare.Statistic, "chi2_pvalue": d.ChiSquare.PValue}[metric])
}

func driftCheck(t *testing.T, what string, got map[time.Time]float64, at time.Time, want metrics.Optional) {
	t.Helper()
	g, found := got[at]
	w, ok := want.Get()
	switch {
	case !found:
		t.Errorf("%s: no point at %s", what, at.Format(time.RFC3339))
	case !ok && !math.IsNaN(g):
		t.Errorf("%s at %s = %v, want absent", what, at.Format(time.RFC3339), g)
	case ok && !driftClose(g, w, 1e-9):
		t.Errorf("%s at %s = %.17g, want %.17g", what, at.Format(time.RFC3339), g, w)
	}
}

type driftGolden struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Binning *struct {
		Strategy string `json:"strategy"`
		Bins     int    `json:"bins"`
	} `json:"binning"`
	Reference       json.RawMessage            `json:"reference"`
	Current         json.RawMessage            `json:"current"`
	BinEdges        []float64                  `json:"bin_edges"`
	ReferenceCounts []int64                    `json:"reference_counts"`
	CurrentCounts   []int64                    `json:"current_counts"`
	Expected        map[string]json.RawMessage `json:"expected"`
}

func loadDriftGolden(t *testing.T) []driftGolden {
	t.Helper()
	cases := goldenCases[driftGolden](t)
	var out []driftGolden
	for _, c := range cases {
		if c.Kind == "numeric" || c.Kind == "categorical" {
			out = append(out, c)
		}
	}
	if len(out) < 2 {
		t.Fatalf("golden file has %d drift cases", len(out))
	}
	return out
}

// rows stores the case's reference as environment training (a month before)
// and its current sample as production, all inside the first hour.
func (c driftGolden) rows(t *testing.T) []driftRow {
	t.Helper()
	var rows []driftRow
	add := func(raw json.RawMessage, env string, at func(i int) time.Time) {
		if c.Kind == "numeric" {
			var vs []*float64
			if err := json.Unmarshal(raw, &vs); err != nil {
				t.Fatal(err)
			}
			for i, v := range vs {
				x := math.NaN()
				if v != nil {
					x = *v
				}
				rows = append(rows, driftRow{version: "v1", env: env, at: at(i), x: x, c: "k"})
			}
			return
		}
		var vs []*string
		if err := json.Unmarshal(raw, &vs); err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			s := ""
			if v != nil {
				s = *v
			}
			rows = append(rows, driftRow{version: "v1", env: env, at: at(i), x: 1, c: s})
		}
	}
	add(c.Reference, "training", func(i int) time.Time { return driftT0.Add(-30*24*time.Hour + time.Duration(i)*time.Second) })
	add(c.Current, "production", func(i int) time.Time { return driftT0.Add(time.Duration(i) * time.Second) })
	return rows
}

func (c driftGolden) query(metric string) string {
	feature, binning := "x", ""
	if c.Kind == "categorical" {
		feature = "c"
	}
	if c.Binning != nil {
		binning = fmt.Sprintf(`,"binning":{"strategy":%q,"bins":%d}`, c.Binning.Strategy, c.Binning.Bins)
	}
	return fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":[%q],"metric":%q,
		"reference":{"type":"environment","environment":"training"},"interval":"1h"%s}`, feature, metric, binning)
}

// asDistribution turns a drift query into the distribution query of the
// same comparison (a distribution is one table: it takes no interval).
func asDistribution(q string) string {
	q = strings.Replace(q, `"drift"`, `"distribution"`, 1)
	return strings.Replace(q, `,"interval":"1h"`, "", 1)
}

// TestDriftGolden reproduces the golden drift cases through the store: the
// SQL binning and the value summaries must agree with numpy and SciPy.
func TestDriftGolden(t *testing.T) {
	for _, c := range loadDriftGolden(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := driftEngine(t, Limits{}, c.rows(t))
			for metric, raw := range c.Expected {
				if metric == "chi2_dof" {
					continue
				}
				var want float64
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatalf("%s: %v", metric, err)
				}
				res := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), c.query(metric))
				if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
					t.Fatalf("%s: want one point, got %s", metric, driftDescribe(res))
				}
				got, ok := res.Series[0].Points[0].Value.Get()
				tol := 1e-9
				if strings.HasSuffix(metric, "pvalue") {
					tol = 1e-6
				}
				if !ok || !driftClose(got, want, tol) {
					t.Errorf("%s = %v (present %v), want %.17g", metric, got, ok, want)
				}
				if res.Meta["approximate"] != nil || res.Meta["approximateEdges"] != nil {
					t.Errorf("%s: exact data reported as approximate: %v", metric, res.Meta)
				}
				if c.Kind == "numeric" && !driftOnValues(metric) {
					edges := res.Meta["binEdges"].(map[string][]float64)["x"]
					if !slices.Equal(edges, c.BinEdges) {
						t.Errorf("%s: edges %v, want %v", metric, edges, c.BinEdges)
					}
				}
			}
			// The distribution table holds the golden bin counts.
			res := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), asDistribution(c.query("psi")))
			tab := res.Tables[0]
			var refCounts, curCounts []int64
			for i := range tab.Columns[0].Values {
				refCounts = append(refCounts, tab.Columns[3].Values[i].(int64))
				curCounts = append(curCounts, tab.Columns[4].Values[i].(int64))
			}
			if !slices.Equal(refCounts, c.ReferenceCounts) || !slices.Equal(curCounts, c.CurrentCounts) {
				t.Errorf("distribution counts %v / %v, want %v / %v", refCounts, curCounts, c.ReferenceCounts, c.CurrentCounts)
			}
			var want float64
			_ = json.Unmarshal(c.Expected["psi"], &want)
			if got, ok := res.Meta["value"].(metrics.Optional).Get(); !ok || !driftClose(got, want, 1e-9) {
				t.Errorf("distribution psi = %v, want %v", res.Meta["value"], want)
			}
		})
	}
}

// TestDriftApproximateWithinBounds forces the fine-histogram path with a
// tiny exact-value limit: KS and Wasserstein must stay within the bounds the
// result reports, and the result must say it is approximate.
func TestDriftApproximateWithinBounds(t *testing.T) {
	for _, c := range loadDriftGolden(t) {
		if c.Kind != "numeric" {
			continue
		}
		for _, limit := range []int{40, 400, 1600} {
			t.Run(fmt.Sprintf("%s/limit=%d", c.Name, limit), func(t *testing.T) {
				e := driftEngine(t, Limits{ExactValueLimit: limit}, c.rows(t))
				for _, metric := range []string{"ks", "wasserstein"} {
					var want float64
					if err := json.Unmarshal(c.Expected[metric], &want); err != nil {
						t.Fatal(err)
					}
					res := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), c.query(metric))
					if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
						t.Fatalf("want one point, got %s", driftDescribe(res))
					}
					got, _ := res.Series[0].Points[0].Value.Get()
					approx, _ := res.Meta["approximate"].(bool)
					bound := res.Meta["ksErrorBound"]
					if metric == "wasserstein" {
						bound = res.Meta["wassersteinErrorBound"]
					}
					b, _ := bound.(float64)
					if !approx {
						// The exact path may still apply when the samples are small.
						if !driftClose(got, want, 1e-9) {
							t.Errorf("%s exact path = %v, want %v", metric, got, want)
						}
						continue
					}
					if math.Abs(got-want) > b+1e-12 {
						t.Errorf("%s = %v, want %v within the reported bound %v", metric, got, want, b)
					}
					if !driftHasNotice(res, "approximate") {
						t.Errorf("no notice says %s is approximate: %s", metric, driftDescribe(res))
					}
				}
				// Past the limit only the quantile edges are approximate: the
				// histograms on the reported edges are exact.
				res := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), c.query("psi"))
				edges := res.Meta["binEdges"].(map[string][]float64)["x"]
				var ref, cur []float64
				for _, r := range c.rows(t) {
					if r.env == "training" {
						ref = append(ref, r.x)
					} else {
						cur = append(cur, r.x)
					}
				}
				want := driftFromHistograms(t, "psi", metrics.NumericHistogram(edges, ref), metrics.NumericHistogram(edges, cur))
				driftCheck(t, "psi on the reported edges", driftSeriesPoints(res)[res.Series[0].Name], driftT0, want)
				if distinct := len(metrics.Summarize(ref)); distinct > limit && c.Binning.Strategy == "quantile" {
					if res.Meta["approximateEdges"] != true || !driftHasNotice(res, "quantile edges come from fine histograms") {
						t.Errorf("%d distinct reference values past the limit: edges not reported approximate: %s", distinct, driftDescribe(res))
					}
				} else if !slices.Equal(edges, c.BinEdges) {
					t.Errorf("exact edges %v, want %v", edges, c.BinEdges)
				}
				// The distribution's KS is within its bound too.
				dist := mustQuery(t, e, driftT0, driftT0.Add(time.Hour), asDistribution(c.query("ks")))
				var wantKS float64
				_ = json.Unmarshal(c.Expected["ks"], &wantKS)
				got, _ := dist.Meta["value"].(metrics.Optional).Get()
				bound, _ := dist.Meta["ksErrorBound"].(float64)
				if math.Abs(got-wantKS) > bound+1e-12 || (bound == 0 && !driftClose(got, wantKS, 1e-9)) {
					t.Errorf("distribution ks = %v, want %v within %v", got, wantKS, bound)
				}
			})
		}
	}
}

// driftScenario: training reference, production current in three hourly
// buckets with the middle one empty, two versions, two channels.
func driftScenario() []driftRow {
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []driftRow
	cats := []string{"a", "b", "c"}
	for i := 0; i < 400; i++ {
		rows = append(rows, driftRow{version: "v1", env: "training", at: driftT0.Add(-40 * 24 * time.Hour).Add(time.Duration(i) * time.Minute),
			x: math.Round(rng.NormFloat64()*100) / 10, c: cats[rng.IntN(3)], channel: []string{"web", "app"}[i%2]})
	}
	for _, h := range []int{0, 2} {
		for i := 0; i < 120; i++ {
			v := []string{"v1", "v2"}[i%2]
			shift := 0.0
			if v == "v2" {
				shift = 0.8 + float64(h)/4
			}
			rows = append(rows, driftRow{version: v, env: "production", at: driftT0.Add(time.Duration(h)*time.Hour + time.Duration(i)*20*time.Second),
				x: math.Round((rng.NormFloat64()+shift)*100) / 10, c: cats[min(rng.IntN(4), 2)], channel: []string{"web", "app", "web"}[i%3]})
		}
	}
	return rows
}

// driftSelect returns x of the rows that pass keep.
func driftSelect(rows []driftRow, keep func(driftRow) bool) []float64 {
	var out []float64
	for _, r := range rows {
		if keep(r) {
			out = append(out, r.x)
		}
	}
	return out
}

func inHour(r driftRow, h int) bool {
	start := driftT0.Add(time.Duration(h) * time.Hour)
	return !r.at.Before(start) && r.at.Before(start.Add(time.Hour))
}

func TestDriftBucketsVersionsAndLabels(t *testing.T) {
	rows := driftScenario()
	e := driftEngine(t, Limits{}, rows)
	quantile10 := models.Binning{Strategy: "quantile", Bins: 10}
	for _, metric := range []string{"psi", "js", "ks", "wasserstein_norm", "chi2_pvalue"} {
		res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":["x"],"metric":%q,"interval":"1h"}`, metric))
		if len(res.Series) != 2 {
			t.Fatalf("%s: want a series per version, got %s", metric, driftDescribe(res))
		}
		got := driftSeriesPoints(res)
		ref := driftSelect(rows, func(r driftRow) bool { return r.env == "training" })
		for _, v := range []string{"v1", "v2"} {
			name := fmt.Sprintf("x %s (%s)", driftMetricTitles[metric], v)
			pts, ok := got[name]
			if !ok {
				t.Fatalf("no series %q: %s", name, driftDescribe(res))
			}
			if len(pts) != 2 {
				t.Errorf("%s: %d points, want 2 (the empty bucket is absent): %s", name, len(pts), driftDescribe(res))
			}
			for _, h := range []int{0, 2} {
				cur := driftSelect(rows, func(r driftRow) bool { return r.env == "production" && r.version == v && inHour(r, h) })
				driftCheck(t, name, pts, driftT0.Add(time.Duration(h)*time.Hour), driftExpected(t, metric, quantile10, ref, cur))
			}
		}
		want := []Label{{"model", "m"}, {"version", "v1"}, {"environment", "production"}, {"feature", "x"}, {"metric", metric}}
		if !slices.Equal(res.Series[0].Labels, want) {
			t.Errorf("labels %v, want %v", res.Series[0].Labels, want)
		}
		if res.Meta["referenceRecords"] != int64(400) || !driftHasNotice(res, "reference: 400 records of environment training") {
			t.Errorf("reference not described: %v %s", res.Meta, driftDescribe(res))
		}
	}
	// Without an environment the label is left out, and all features are compared.
	res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), `{"queryType":"drift","model":"m","versions":["v2"],"metric":"hellinger","interval":"1h"}`)
	var features []string
	for _, s := range res.Series {
		for _, l := range s.Labels {
			if l.Name == "environment" {
				t.Errorf("environment label without an environment in the query: %v", s.Labels)
			}
			if l.Name == "feature" {
				features = append(features, l.Value)
			}
		}
	}
	slices.Sort(features)
	if !slices.Equal(features, []string{"c", "x"}) {
		t.Errorf("features %v, want c and x: %s", features, driftDescribe(res))
	}
}

func TestDriftCategorical(t *testing.T) {
	rows := driftScenario()
	rows = append(rows, driftRow{version: "v1", env: "production", at: driftT0.Add(30 * time.Minute), x: 1, c: ""},
		driftRow{version: "v1", env: "production", at: driftT0.Add(31 * time.Minute), x: 2, c: "new"})
	e := driftEngine(t, Limits{}, rows)
	count := func(keep func(driftRow) bool) metrics.CategoryCounts {
		var vs []*string
		for _, r := range rows {
			if keep(r) {
				if r.c == "" {
					vs = append(vs, nil)
				} else {
					c := r.c
					vs = append(vs, &c)
				}
			}
		}
		return metrics.CountCategories(vs)
	}
	ref := count(func(r driftRow) bool { return r.env == "training" })
	for _, metric := range []string{"psi", "chi2", "js"} {
		res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":["c"],"metric":%q,"interval":"1h"}`, metric))
		got := driftSeriesPoints(res)
		for _, v := range []string{"v1", "v2"} {
			for _, h := range []int{0, 2} {
				cur := count(func(r driftRow) bool { return r.env == "production" && r.version == v && inHour(r, h) })
				_, rh, ch := metrics.CategoricalHistograms(ref, cur)
				name := fmt.Sprintf("c %s (%s)", driftMetricTitles[metric], v)
				driftCheck(t, name, got[name], driftT0.Add(time.Duration(h)*time.Hour), driftFromHistograms(t, metric, rh, ch))
			}
		}
	}
	// The distribution shows the new category and the missing bin.
	res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), `{"queryType":"distribution","model":"m","environment":"production","versions":["v1"],"features":["c"]}`)
	bins := res.Tables[0].Columns[0].Values
	if len(bins) != 5 || bins[3] != "new" || bins[4] != "missing" {
		t.Errorf("bins %v, want a, b, c, new, missing", bins)
	}
}

func TestDriftReferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	var rows []driftRow
	// Production from 6h before the range to its end, one record a minute,
	// a mean that creeps up; version v2 from the range's start.
	for m := -6 * 60; m < 4*60; m++ {
		at := driftT0.Add(time.Duration(m) * time.Minute)
		rows = append(rows, driftRow{version: "v1", env: "production", at: at, x: math.Round((rng.NormFloat64()+float64(m)/200)*10) / 10, c: "a"})
		if m >= 0 {
			rows = append(rows, driftRow{version: "v2", env: "production", at: at, x: math.Round((rng.NormFloat64()+1)*10) / 10, c: "b"})
		}
	}
	rows = append(rows, driftRow{version: "v1", env: "training", at: driftT0.Add(-90 * 24 * time.Hour), x: 0, c: "a"})
	e := driftEngine(t, Limits{}, rows)
	quantile10 := models.Binning{Strategy: "quantile", Bins: 10}
	from, to := driftT0, driftT0.Add(4*time.Hour)
	prod := func(keep func(driftRow) bool) []float64 {
		return driftSelect(rows, func(r driftRow) bool { return r.env == "production" && keep(r) })
	}
	between := func(r driftRow, a, b time.Time) bool { return !r.at.Before(a) && r.at.Before(b) }
	query := func(metric, versions, reference string) string {
		return fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":["x"],"metric":%q,"interval":"1h"%s,"reference":%s}`, metric, versions, reference)
	}

	t.Run("window", func(t *testing.T) {
		wFrom, wTo := driftT0.Add(-5*time.Hour), driftT0.Add(-3*time.Hour)
		for _, metric := range []string{"psi", "ks"} {
			res := mustQuery(t, e, from, to, query(metric, `,"versions":["v1","v2"]`, fmt.Sprintf(`{"type":"window","from":%q,"to":%q}`, wFrom.Format(time.RFC3339), wTo.Format(time.RFC3339))))
			ref := prod(func(r driftRow) bool { return between(r, wFrom, wTo) })
			got := driftSeriesPoints(res)
			for _, v := range []string{"v1", "v2"} {
				name := fmt.Sprintf("x %s (%s)", driftMetricTitles[metric], v)
				for h := 0; h < 4; h++ {
					b := driftT0.Add(time.Duration(h) * time.Hour)
					cur := prod(func(r driftRow) bool { return r.version == v && between(r, b, b.Add(time.Hour)) })
					driftCheck(t, name, got[name], b, driftExpected(t, metric, quantile10, ref, cur))
				}
			}
			if res.Meta["referenceRecords"] != int64(len(ref)) {
				t.Errorf("reference records %v, want %d", res.Meta["referenceRecords"], len(ref))
			}
		}
	})

	t.Run("version", func(t *testing.T) {
		res := mustQuery(t, e, from, to, query("wasserstein", "", `{"type":"version","version":"v1"}`))
		if len(res.Series) != 1 || !strings.Contains(res.Series[0].Name, "(v2)") {
			t.Fatalf("want only v2 compared with v1: %s", driftDescribe(res))
		}
		got := driftSeriesPoints(res)
		name := res.Series[0].Name
		for h := 0; h < 4; h++ {
			b := driftT0.Add(time.Duration(h) * time.Hour)
			ref := prod(func(r driftRow) bool { return r.version == "v1" && between(r, from, to) })
			cur := prod(func(r driftRow) bool { return r.version == "v2" && between(r, b, b.Add(time.Hour)) })
			driftCheck(t, name, got[name], b, driftExpected(t, "wasserstein", quantile10, ref, cur))
		}
		// Listed explicitly, the reference version gets its (zero) series too.
		res = mustQuery(t, e, from, to, query("wasserstein", `,"versions":["v1","v2"]`, `{"type":"version","version":"v1"}`))
		if len(res.Series) != 2 {
			t.Errorf("want v1 and v2: %s", driftDescribe(res))
		}
	})

	t.Run("rolling", func(t *testing.T) {
		cases := []struct {
			name, window, interval string
			from                   time.Time
			w, iv                  time.Duration
		}{
			{"aligned", "2h", "1h", from, 2 * time.Hour, time.Hour},
			{"window not a multiple of the interval", "90m", "1h", from, 90 * time.Minute, time.Hour},
			{"from inside a bucket", "2h", "1h", from.Add(25 * time.Minute), 2 * time.Hour, time.Hour},
			{"from inside a step", "1h", "40m", from.Add(7 * time.Minute), time.Hour, 40 * time.Minute},
		}
		for _, c := range cases {
			for _, metric := range []string{"psi", "ks", "chi2"} {
				t.Run(c.name+"/"+metric, func(t *testing.T) {
					q := fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","versions":["v1"],"features":["x"],"metric":%q,"interval":%q,"reference":{"type":"rolling","window":%q}}`, metric, c.interval, c.window)
					res := mustQuery(t, e, c.from, to, q)
					got := driftSeriesPoints(res)
					name := fmt.Sprintf("x %s (v1)", driftMetricTitles[metric])
					n := 0
					for b := c.from.Truncate(c.iv); b.Before(to); b = b.Add(c.iv) {
						cur := prod(func(r driftRow) bool {
							return r.version == "v1" && between(r, b, b.Add(c.iv)) && !r.at.Before(c.from)
						})
						if len(cur) == 0 {
							continue
						}
						n++
						ref := prod(func(r driftRow) bool { return r.version == "v1" && between(r, b.Add(-c.w), b) })
						driftCheck(t, name, got[name], b, driftExpected(t, metric, quantile10, ref, cur))
					}
					if len(got[name]) != n {
						t.Errorf("%d points, want %d: %s", len(got[name]), n, driftDescribe(res))
					}
				})
			}
		}
	})

	t.Run("rolling reference without records", func(t *testing.T) {
		// v2 starts at the range's start: its first bucket has no reference.
		res := mustQuery(t, e, from, to, `{"queryType":"drift","model":"m","environment":"production","versions":["v2"],"features":["x"],"metric":"psi","interval":"1h","reference":{"type":"rolling","window":"1h"}}`)
		got := driftSeriesPoints(res)["x PSI (v2)"]
		if v, ok := got[driftT0]; !ok || !math.IsNaN(v) {
			t.Errorf("first bucket: want an absent point, got %v (%v)", v, ok)
		}
		if v := got[driftT0.Add(time.Hour)]; math.IsNaN(v) {
			t.Errorf("second bucket: want a value")
		}
		if !driftHasNotice(res, "1 points are absent", "rolling reference") {
			t.Errorf("no notice about the empty rolling reference: %s", driftDescribe(res))
		}
	})

	t.Run("rolling past the exact-value limit", func(t *testing.T) {
		q := `{"queryType":"drift","model":"m","environment":"production","versions":["v1"],"features":["x"],"metric":%q,"interval":"1h","reference":{"type":"rolling","window":"2h"}}`
		exactPSI := driftSeriesPoints(mustQuery(t, e, from, to, fmt.Sprintf(q, "psi")))["x PSI (v1)"]
		exactKS := driftSeriesPoints(mustQuery(t, e, from, to, fmt.Sprintf(q, "ks")))["x KS statistic (v1)"]
		// 150: the span's values stay exact, its (step, value) groups do not;
		// 30: the span itself is compressed on a grid.
		for _, limit := range []int{150, 30} {
			small := driftEngine(t, Limits{ExactValueLimit: limit}, rows)
			res := mustQuery(t, small, from, to, fmt.Sprintf(q, "psi"))
			if res.Meta["approximateEdges"] != true || len(res.Series) != 1 || len(res.Series[0].Points) != 4 {
				t.Errorf("limit %d: want 4 PSI points with approximate edges: %v %s", limit, res.Meta, driftDescribe(res))
			}
			for at, v := range driftSeriesPoints(res)["x PSI (v1)"] {
				if math.IsNaN(v) || (limit == 150 && math.Abs(v-exactPSI[at]) > 0.05) {
					t.Errorf("limit %d: approximate PSI at %s = %v, exact %v", limit, at, v, exactPSI[at])
				}
			}
			res = mustQuery(t, small, from, to, fmt.Sprintf(q, "ks"))
			bound, _ := res.Meta["ksErrorBound"].(float64)
			if res.Meta["approximate"] != true || len(res.Series) != 1 || len(res.Series[0].Points) != 4 {
				t.Errorf("limit %d: want 4 approximate KS points: %v %s", limit, res.Meta, driftDescribe(res))
			}
			for at, v := range driftSeriesPoints(res)["x KS statistic (v1)"] {
				if math.Abs(v-exactKS[at]) > bound+1e-12 {
					t.Errorf("limit %d: approximate KS at %s = %v, exact %v, bound %v", limit, at, v, exactKS[at], bound)
				}
			}
		}
	})
}

func TestDriftFilters(t *testing.T) {
	rows := driftScenario()
	e := driftEngine(t, Limits{}, rows)
	quantile10 := models.Binning{Strategy: "quantile", Bins: 10}
	// A tag filter applies to the reference and the current data; a version
	// filter selects only the current data (the reference is all v1).
	res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), `{"queryType":"drift","model":"m","environment":"production","features":["x"],"metric":"psi","interval":"1h",
		"filters":[{"field":"tags.channel","op":"=","value":"app"},{"field":"version","op":"=","value":"v2"}]}`)
	if len(res.Series) != 1 {
		t.Fatalf("want v2 only: %s", driftDescribe(res))
	}
	ref := driftSelect(rows, func(r driftRow) bool { return r.env == "training" && r.channel == "app" })
	got := driftSeriesPoints(res)["x PSI (v2)"]
	for _, h := range []int{0, 2} {
		cur := driftSelect(rows, func(r driftRow) bool {
			return r.env == "production" && r.version == "v2" && r.channel == "app" && inHour(r, h)
		})
		driftCheck(t, "cohort psi", got, driftT0.Add(time.Duration(h)*time.Hour), driftExpected(t, "psi", quantile10, ref, cur))
	}
	if res.Meta["referenceRecords"] != int64(len(ref)) {
		t.Errorf("reference records %v, want %d", res.Meta["referenceRecords"], len(ref))
	}
}

func TestDriftPredictionTarget(t *testing.T) {
	ctx := context.Background()
	st, err := duckdb.Open(ctx, duckdb.Options{Path: ""})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var batch []store.Record
	for i := 0; i < 200; i++ {
		env, at := "training", driftT0.Add(-time.Duration(i+1)*time.Hour)
		if i%2 == 0 {
			env, at = "production", driftT0.Add(time.Duration(i)*time.Minute)
		}
		label := []string{"0", "1"}[i%3/2]
		batch = append(batch,
			store.Record{Line: len(batch) + 1, Model: "clf", ID: fmt.Sprint("c", i), Version: "v1", Environment: env, Time: at,
				Prediction: store.Outcome{Label: label, HasLabel: true, Score: float64(i%10) / 10, HasScore: true}},
			store.Record{Line: len(batch) + 2, Model: "reg", ID: fmt.Sprint("r", i), Version: "v1", Environment: env, Time: at,
				Prediction: store.Outcome{Value: float64(i % 7), HasValue: true}})
	}
	if _, err := st.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	e := New(st, Limits{})
	cases := []struct{ model, features, metric, want string }{
		{"clf", "", "psi", "prediction.label"},
		{"clf", `,"features":["prediction.score"]`, "ks", "prediction.score"},
		{"reg", "", "wasserstein", "prediction.value"},
	}
	for _, c := range cases {
		res := mustQuery(t, e, driftT0, driftT0.Add(4*time.Hour), fmt.Sprintf(`{"queryType":"drift","model":%q,"target":"prediction","metric":%q,"interval":"4h"%s}`, c.model, c.metric, c.features))
		if len(res.Series) != 1 || !strings.HasPrefix(res.Series[0].Name, c.want+" ") {
			t.Errorf("%s %s: want a series of %s, got %s", c.model, c.metric, c.want, driftDescribe(res))
		}
	}
	_, err = runQuery(t, e, driftT0, driftT0.Add(time.Hour), `{"queryType":"drift","model":"clf","target":"actual"}`)
	var qe *models.QueryError
	if !errors.As(err, &qe) || qe.Option != "target" || !strings.Contains(err.Error(), "no actual values") {
		t.Errorf("actuals of a model without any: want a target error, got %v", err)
	}
	_, err = runQuery(t, e, driftT0, driftT0.Add(time.Hour), `{"queryType":"drift","model":"clf","target":"prediction","features":["actual.label"]}`)
	if !errors.As(err, &qe) || qe.Option != "features" || !strings.Contains(err.Error(), "prediction.score") {
		t.Errorf("actual field with target prediction: want a features error, got %v", err)
	}
}

func TestDistribution(t *testing.T) {
	rows := driftScenario()
	rows = append(rows, driftRow{version: "v2", env: "production", at: driftT0.Add(10 * time.Minute), x: math.NaN(), c: "a"})
	e := driftEngine(t, Limits{}, rows)
	res := mustQuery(t, e, driftT0, driftT0.Add(3*time.Hour), `{"queryType":"distribution","model":"m","environment":"production","features":["x"],"metric":"js","binning":{"strategy":"uniform","bins":4}}`)
	if len(res.Tables) != 1 {
		t.Fatalf("want one table: %+v", res)
	}
	ref := driftSelect(rows, func(r driftRow) bool { return r.env == "training" })
	cur := driftSelect(rows, func(r driftRow) bool { return r.env == "production" })
	edges := metrics.UniformEdges(ref, 4)
	rh, ch := metrics.NumericHistogram(edges, ref), metrics.NumericHistogram(edges, cur)
	tab := res.Tables[0]
	names := make([]string, len(tab.Columns))
	for i, c := range tab.Columns {
		names[i] = c.Name
	}
	if !slices.Equal(names, []string{"bin", "reference_share", "current_share", "reference_count", "current_count"}) {
		t.Fatalf("columns %v", names)
	}
	wantBins := []string{"(−∞, " + driftNumber(edges[0]) + "]", "(" + driftNumber(edges[0]) + ", " + driftNumber(edges[1]) + "]",
		"(" + driftNumber(edges[1]) + ", " + driftNumber(edges[2]) + "]", "(" + driftNumber(edges[2]) + ", +∞)", "missing"}
	refCounts, curCounts := append(slices.Clone(rh.Counts), rh.Missing), append(slices.Clone(ch.Counts), ch.Missing)
	for i, b := range wantBins {
		if tab.Columns[0].Values[i] != b {
			t.Errorf("bin %d = %v, want %s", i, tab.Columns[0].Values[i], b)
		}
		if tab.Columns[3].Values[i] != refCounts[i] || tab.Columns[4].Values[i] != curCounts[i] {
			t.Errorf("bin %s: counts %v/%v, want %d/%d", b, tab.Columns[3].Values[i], tab.Columns[4].Values[i], refCounts[i], curCounts[i])
		}
		share, _ := tab.Columns[2].Values[i].(metrics.Optional).Get()
		if !driftClose(share, float64(curCounts[i])/float64(len(cur)), 1e-12) {
			t.Errorf("bin %s: current share %v", b, share)
		}
	}
	want, _ := driftFromHistograms(t, "js", rh, ch).Get()
	if got, ok := res.Meta["value"].(metrics.Optional).Get(); !ok || !driftClose(got, want, 1e-9) {
		t.Errorf("js = %v, want %v", res.Meta["value"], want)
	}
	if !driftHasNotice(res, "x JS distance = ") {
		t.Errorf("no notice with the metric: %s", driftDescribe(res))
	}
}

func TestDriftBadInput(t *testing.T) {
	e := driftEngine(t, Limits{}, driftScenario())
	from, to := driftT0, driftT0.Add(3*time.Hour)
	cases := []struct {
		name, query, option string
		parts               []string
	}{
		{"unknown feature", `{"queryType":"drift","model":"m","features":["income"]}`, "features", []string{`no feature "income"`, "x", "c"}},
		{"ks on a categorical feature", `{"queryType":"drift","model":"m","features":["c"],"metric":"ks"}`, "metric", []string{"c is categorical", "psi", "chi2"}},
		{"empty reference", `{"queryType":"drift","model":"m","features":["x"],"reference":{"type":"environment","environment":"staging"}}`, "reference", []string{"the reference (environment staging) has no records for x"}},
		{"empty version reference", `{"queryType":"drift","model":"m","features":["c"],"reference":{"type":"version","version":"v9"}}`, "reference", []string{"version v9", "no records for c"}},
		{"unknown model", `{"queryType":"drift","model":"nope","features":["x"]}`, "model", []string{`"nope" is not a known model`, "m"}},
		{"prediction field as a feature", `{"queryType":"drift","model":"m","features":["prediction.label"]}`, "features", []string{"target"}},
		{"distribution of an unknown feature", `{"queryType":"distribution","model":"m","features":["y"]}`, "features", []string{`no feature "y"`}},
		{"distribution ks on a categorical feature", `{"queryType":"distribution","model":"m","features":["c"],"metric":"wasserstein"}`, "metric", []string{"c is categorical"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runQuery(t, e, from, to, c.query)
			var qe *models.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("want a query error, got %v", err)
			}
			if qe.Option != c.option {
				t.Errorf("option %q, want %q (%v)", qe.Option, c.option, err)
			}
			for _, p := range c.parts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("message %q does not mention %q", err.Error(), p)
				}
			}
		})
	}
	// Unnamed categorical features are left out of KS with a notice.
	res := mustQuery(t, e, from, to, `{"queryType":"drift","model":"m","environment":"production","metric":"ks"}`)
	for _, s := range res.Series {
		if !strings.HasPrefix(s.Name, "x ") {
			t.Errorf("KS series of a categorical feature: %s", s.Name)
		}
	}
	if !driftHasNotice(res, "categorical features left out: c") {
		t.Errorf("no notice about the skipped feature: %s", driftDescribe(res))
	}
}

func TestDriftBinLabels(t *testing.T) {
	cases := []struct {
		edges []float64
		want  []string
	}{
		{nil, []string{"(−∞, +∞)"}},
		{[]float64{12.5}, []string{"(−∞, 12.5]", "(12.5, +∞)"}},
		{[]float64{12.5, 30, 1e6}, []string{"(−∞, 12.5]", "(12.5, 30]", "(30, 1000000]", "(1000000, +∞)"}},
		{[]float64{-1e-7, 2.5e20}, []string{"(−∞, -1e-07]", "(-1e-07, 2.5e+20]", "(2.5e+20, +∞)"}},
	}
	for _, c := range cases {
		if got := driftBinLabels(c.edges); !slices.Equal(got, c.want) {
			t.Errorf("labels of %v = %q, want %q", c.edges, got, c.want)
		}
	}
	if got := driftThousands(50000); got != "50,000" {
		t.Errorf("driftThousands(50000) = %q", got)
	}
	if got := driftThousands(-1234567); got != "-1,234,567" {
		t.Errorf("driftThousands(-1234567) = %q", got)
	}
}

func TestDriftSnapAndCompressionBounds(t *testing.T) {
	fine := []float64{0, 1, 2, 3, 10}
	// Without reference entries to keep apart: the nearest fine edge.
	if got := driftSnap([]float64{-5, 0.4, 0.6, 2, 7, 99}, fine, nil); !slices.Equal(got, []float64{0, 1, 2, 10}) {
		t.Errorf("snap = %v", got)
	}
	// 2.9 is nearest to 3, but the reference entry 2.95 in (2, 3] lies above
	// 2.9 and must stay above the edge: 2. 4 is nearest to 3, but the entry
	// 3.5 in (3, 10] lies below 4 and must stay below the edge: 10.
	ref := metrics.Summary{{Value: 1.5, Weight: 1}, {Value: 2.95, Weight: 1}, {Value: 3.5, Weight: 1}}
	if got := driftSnap([]float64{2.9, 4}, fine, ref); !slices.Equal(got, []float64{2, 10}) {
		t.Errorf("snap with a reference = %v, want [2 10]", got)
	}
	// One entry of 4 values over [0, 2] with mean 1 and one exact value:
	// Wasserstein moves by at most 4/5 · 1 (two values at each end).
	s := &driftSample{}
	s.addBin(4, 4, 0, 2)
	s.addBin(1, 5, 5, 5)
	s.finish()
	if w := driftSpreadError(s); w != 0.8 {
		t.Errorf("wasserstein bound %v, want 0.8", w)
	}
	// Against an exact reference entirely above the entry's range, the
	// entry's mean decides: no error. A reference inside the range: 0.8.
	for _, c := range []struct {
		ref  float64
		want float64
	}{{10, 0}, {-10, 0}, {1, 0.8}} {
		ref := &driftSample{values: metrics.Summary{{Value: c.ref, Weight: 3}}}
		if w := driftWassersteinError(ref, s); w != c.want {
			t.Errorf("reference at %v: wasserstein bound %v, want %v", c.ref, w, c.want)
		}
	}
	if s.lo != 0 || s.hi != 5 {
		t.Errorf("range [%v, %v], want [0, 5]", s.lo, s.hi)
	}
	// Two values in a bin are its minimum and maximum: exact, no error.
	two := &driftSample{}
	two.addBin(2, 7, 3, 4)
	two.addBin(3, 30, 10, 10)
	two.finish()
	if w := driftSpreadError(two); w != 0 {
		t.Errorf("wasserstein bound of exact bins %v, want 0", w)
	}
	if want := (metrics.Summary{{Value: 3, Weight: 1}, {Value: 4, Weight: 1}, {Value: 10, Weight: 3}}); !slices.Equal(two.values, want) {
		t.Errorf("values %v, want %v", two.values, want)
	}
}

// TestDriftCompressionBoundsHold compresses random samples on random fine
// bins as the store does (count, sum, min, max per bin) and checks that the
// exact KS and Wasserstein stay within the computed bounds.
func TestDriftCompressionBoundsHold(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 34))
	compress := func(values, edges []float64) *driftSample {
		type acc struct{ n, sum, lo, hi float64 }
		bins := map[int]*acc{}
		for _, v := range values {
			k := metrics.BinIndex(edges, v)
			if b := bins[k]; b != nil {
				b.n, b.sum, b.lo, b.hi = b.n+1, b.sum+v, math.Min(b.lo, v), math.Max(b.hi, v)
			} else {
				bins[k] = &acc{1, v, v, v}
			}
		}
		s := &driftSample{}
		for _, b := range bins {
			s.addBin(b.n, b.sum, b.lo, b.hi)
		}
		s.finish()
		return s
	}
	exact := func(values []float64) *driftSample {
		return &driftSample{values: metrics.Summarize(values), lo: slices.Min(values), hi: slices.Max(values)}
	}
	tighter := 0
	for trial := 0; trial < 300; trial++ {
		n, m := 20+rng.IntN(400), 5+rng.IntN(400)
		shift, scale := rng.NormFloat64(), 0.5+rng.Float64()*2
		ref, cur := make([]float64, n), make([]float64, m)
		for i := range ref {
			ref[i] = math.Round(rng.NormFloat64()*20) / 4
		}
		for i := range cur {
			cur[i] = math.Round((rng.NormFloat64()*scale+shift)*20) / 4
		}
		edges := make([]float64, 1+rng.IntN(40))
		for i := range edges {
			edges[i] = rng.NormFloat64() * 3
		}
		slices.Sort(edges)
		edges = slices.Compact(edges)
		truth, err := metrics.DriftOfSamples(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		pairs := []struct {
			name     string
			ref, cur *driftSample
		}{
			{"compressed current", exact(ref), compress(cur, edges)},
			{"both compressed", compress(ref, edges), compress(cur, edges)},
			{"exact", exact(ref), exact(cur)},
		}
		for _, p := range pairs {
			d, err := metrics.DriftOfSummaries(p.ref.values, p.cur.values)
			if err != nil {
				t.Fatal(err)
			}
			ks := driftKSError(p.ref, p.cur, d.KS.Statistic)
			if math.Abs(d.KS.Statistic-truth.KS.Statistic) > ks+1e-12 {
				t.Fatalf("trial %d %s: KS %v, exact %v, bound %v", trial, p.name, d.KS.Statistic, truth.KS.Statistic, ks)
			}
			w := driftWassersteinError(p.ref, p.cur)
			if math.Abs(d.Wasserstein-truth.Wasserstein) > w+1e-9 {
				t.Fatalf("trial %d %s: Wasserstein %v, exact %v, bound %v", trial, p.name, d.Wasserstein, truth.Wasserstein, w)
			}
			if p.name == "exact" && (ks != 0 || w != 0) {
				t.Fatalf("exact samples with bounds %v %v", ks, w)
			}
			if p.name == "compressed current" {
				var worst float64
				for i, e := range p.cur.values {
					if p.cur.highs[i] > p.cur.lows[i] {
						worst = math.Max(worst, e.Weight/float64(m))
					}
				}
				if ks < worst {
					tighter++
				}
			}
		}
	}
	if tighter == 0 {
		t.Errorf("the KS bound was never tighter than the largest share of a compressed bin")
	}
}

// TestDriftBucketRunsPastTheLimit: past the exact-value limit the current
// values are read in runs of buckets that fit it, so they stay exact; only a
// bucket that alone is past the limit is compressed.
func TestDriftBucketRunsPastTheLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var rows []driftRow
	// The reference: 100 records of 50 distinct values.
	for i := range 100 {
		rows = append(rows, driftRow{version: "v1", env: "training", at: driftT0.Add(-48 * time.Hour).Add(time.Duration(i) * time.Minute), x: float64(i/2) * 0.37, c: "a"})
	}
	// Production: 80, 40 and 80 distinct values in hours 0, 1 and 2.
	for h, n := range []int{80, 40, 80} {
		for i := range n {
			rows = append(rows, driftRow{version: []string{"v1", "v2"}[i%2], env: "production", at: driftT0.Add(time.Duration(h)*time.Hour + time.Duration(i)*30*time.Second),
				x: rng.NormFloat64()*5 + 9 + float64(h), c: "a"})
		}
	}
	exact := driftEngine(t, Limits{}, rows)
	for _, metric := range []string{"ks", "wasserstein"} {
		query := fmt.Sprintf(`{"queryType":"drift","model":"m","environment":"production","features":["x"],"metric":%q,"interval":"1h"}`, metric)
		want := driftSeriesPoints(mustQuery(t, exact, driftT0, driftT0.Add(3*time.Hour), query))
		// 120: hours 0 and 1 make one run, hour 2 another; all exact.
		res := mustQuery(t, driftEngine(t, Limits{ExactValueLimit: 120}, rows), driftT0, driftT0.Add(3*time.Hour), query)
		if res.Meta["approximate"] != nil || driftHasNotice(res, "approximate") {
			t.Errorf("%s, limit 120: every bucket fits, yet the result is approximate: %s", metric, driftDescribe(res))
		}
		if got := driftSeriesPoints(res); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s, limit 120:\n got %v\nwant %v", metric, got, want)
		}
		// 60: hours 0 and 2 are compressed alone, hour 1 stays exact.
		res = mustQuery(t, driftEngine(t, Limits{ExactValueLimit: 60}, rows), driftT0, driftT0.Add(3*time.Hour), query)
		if res.Meta["approximate"] != true {
			t.Errorf("%s, limit 60: hours past the limit, yet not approximate: %s", metric, driftDescribe(res))
		}
		got := driftSeriesPoints(res)
		for name, pts := range want {
			for at, w := range pts {
				g, ok := got[name][at]
				switch {
				case !ok:
					t.Errorf("%s, limit 60: %s has no point at %s", metric, name, at)
				case at.Equal(driftT0.Add(time.Hour)) && g != w:
					t.Errorf("%s, limit 60: %s at hour 1 = %v, want the exact %v", metric, name, g, w)
				}
			}
		}
	}
}
