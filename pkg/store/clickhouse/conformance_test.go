package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// openTest opens a store in a fresh database of the deployment.
func openTest(t *testing.T, d *chtest.Deployment) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{Addr: d.Addr(), Database: chtest.Database("vigil"), Cluster: d.Cluster})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

var demoEnd = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// loadDemo generates a small demo into every store, batch by batch, with
// its lifecycle events.
func loadDemo(t *testing.T, stores ...store.Store) {
	t.Helper()
	ctx := context.Background()
	cfg := demo.Config{Seed: 3, Scale: 0.03, End: demoEnd, BatchSize: 20_000}
	_, err := demo.Generate(ctx, cfg, func(b []store.Record) error {
		for _, st := range stores {
			if _, err := st.Ingest(ctx, b, store.IngestOptions{Now: demoEnd}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range demo.Lifecycle(cfg) {
		for _, st := range stores {
			if err := st.SetVersionStatus(ctx, ev.Model, ev.Version, ev.Status, ev.At); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// conformanceQueries are engine queries over the demo: every query type
// that reads the store, with the metrics that take different store paths.
var conformanceQueries = []string{
	`{"queryType":"drift","model":"credit-risk","environment":"production","versions":["v1"],"features":["income","age","region"],"metric":"psi","interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`,
	`{"queryType":"drift","model":"credit-risk","environment":"production","features":["income","debt_ratio"],"metric":"ks","interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`,
	`{"queryType":"drift","model":"credit-risk","environment":"production","features":["income"],"metric":"wasserstein","interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`,
	`{"queryType":"drift","model":"credit-risk","environment":"production","features":["income","debt_ratio"],"metric":"js","binning":{"strategy":"uniform","bins":8},"interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`,
	`{"queryType":"drift","model":"credit-risk","environment":"production","features":["employment_type"],"metric":"chi2","interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`,
	`{"queryType":"drift","model":"credit-risk","environment":"production","target":"prediction","metric":"js","interval":"1d","reference":{"type":"rolling","window":"3d"}}`,
	`{"queryType":"performance","model":"credit-risk","environment":"production","metric":"accuracy","interval":"1d"}`,
	`{"queryType":"performance","model":"credit-risk","environment":"production","metric":"auc","interval":"1d"}`,
	`{"queryType":"performance","model":"credit-risk","environment":"production","metric":"log_loss","interval":"1d"}`,
	`{"queryType":"performanceTrace","model":"credit-risk","environment":"production","metric":"accuracy"}`,
	`{"queryType":"fairness","model":"credit-risk","environment":"production","metric":"disparate_impact","interval":"1d","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"}}`,
	`{"queryType":"traffic","model":"credit-risk","environment":"production","metric":"share","interval":"1d"}`,
	`{"queryType":"traffic","model":"credit-risk","metric":"count","interval":"1h"}`,
	`{"queryType":"models"}`,
}

// TestConformance runs the same engine queries over DuckDB and over
// ClickHouse (one node, then the two-shard cluster) loaded with the same
// demo data, and wants the same answers (1e-9 relative).
func TestConformance(t *testing.T) {
	ctx := context.Background()
	single, cluster := chtest.Single(t), chtest.Cluster(t)
	duck, err := duckdb.Open(ctx, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	chSingle, chCluster := openTest(t, single), openTest(t, cluster)
	start := time.Now()
	loadDemo(t, duck, chSingle, chCluster)
	t.Logf("demo loaded into three stores in %v", time.Since(start).Round(time.Millisecond))

	from, to := demoEnd.Add(-30*24*time.Hour), demoEnd
	run := func(st store.Store, raw string) (string, error) {
		q, err := models.Parse(models.Request{JSON: []byte(raw), RefID: "A", From: from, To: to}, models.Limits{})
		if err != nil {
			t.Fatalf("parse %s: %v", raw, err)
		}
		res, err := engine.New(st, engine.Limits{}).Run(ctx, q)
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(res)
		return string(b), err
	}
	for _, raw := range conformanceQueries {
		want, err := run(duck, raw)
		if err != nil {
			t.Fatalf("duckdb %s: %v", raw, err)
		}
		for name, st := range map[string]store.Store{"single": chSingle, "cluster": chCluster} {
			got, err := run(st, raw)
			if err != nil {
				t.Errorf("%s %s: %v", name, raw, err)
				continue
			}
			if msg := sameJSON(want, got); msg != "" {
				t.Errorf("%s %s: %s", name, raw, msg)
			}
		}
	}
	t.Run("store requests", func(t *testing.T) {
		for name, st := range map[string]store.Store{"single": chSingle, "cluster": chCluster} {
			compareRequests(t, name, duck, st, from, to)
		}
	})
}

// compareRequests compares store-level requests the engine queries above
// do not all reach: values, vector sums, samples, lookups, every measure.
func compareRequests(t *testing.T, name string, want, got store.Store, from, to time.Time) {
	ctx := context.Background()
	check := func(what string, w, g any, werr, gerr error) {
		t.Helper()
		if werr != nil || gerr != nil {
			t.Errorf("%s %s: duckdb error %v, clickhouse error %v", name, what, werr, gerr)
			return
		}
		wb, _ := json.Marshal(w)
		gb, _ := json.Marshal(g)
		if msg := sameJSON(string(wb), string(gb)); msg != "" {
			t.Errorf("%s %s: %s", name, what, msg)
		}
	}
	scope := store.Scope{Model: "credit-risk", From: from, To: to, Environments: []string{"production"}}
	score := store.Column{Kind: store.ColPredScore}
	income := store.Column{Kind: store.ColFeature, Name: "income"}
	agg := store.AggregateRequest{Scope: scope,
		Keys: []store.Key{{Kind: store.KeyBucket, Interval: 24 * time.Hour}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}},
			{Kind: store.KeyIn, Col: store.Column{Kind: store.ColTag, Name: "sex"}, Values: []string{"F"}}},
		Measures: []store.Measure{{Op: store.Count}, {Op: store.CountNotNull, A: store.Column{Kind: store.ColActualLabel}},
			{Op: store.Sum, A: income}, {Op: store.SumSquares, A: income}, {Op: store.Min, A: income}, {Op: store.Max, A: income},
			{Op: store.SumLogLoss, A: score, B: store.Column{Kind: store.ColActualLabel}, Positive: "1"},
			{Op: store.CountEqual, A: store.Column{Kind: store.ColPredLabel}, B: store.Column{Kind: store.ColActualLabel}}}}
	w, werr := want.Aggregate(ctx, agg)
	g, gerr := got.Aggregate(ctx, agg)
	check("aggregate", w, g, werr, gerr)
	sets := agg
	sets.Keys = append(slices.Clone(agg.Keys), store.Key{Kind: store.KeyColumn, Col: store.Column{Kind: store.ColFeature, Name: "region"}})
	sets.Sets = [][]int{{0, 2}, {3, 1}, {}, {2}}
	w, werr = want.Aggregate(ctx, sets)
	g, gerr = got.Aggregate(ctx, sets)
	check("grouping sets", w, g, werr, gerr)
	bins := store.AggregateRequest{Scope: scope, Keys: []store.Key{{Kind: store.KeyBin, Col: income, Edges: []float64{1e4, 2e4, 3e4, 4e4, 5e4, 6e4, 7e4, 8e4, 9e4, 1e5, 2e5}},
		{Kind: store.KeyGrid, Col: store.Column{Kind: store.ColFeature, Name: "age"}, Origin: 18, Width: 5}}, Measures: []store.Measure{{Op: store.Count}}}
	w, werr = want.Aggregate(ctx, bins)
	g, gerr = got.Aggregate(ctx, bins)
	check("bins", w, g, werr, gerr)
	quality := store.AggregateRequest{Scope: scope, Keys: []store.Key{{Kind: store.KeyBucket, Interval: 24 * time.Hour}},
		Measures: []store.Measure{{Op: store.CountDistinct, A: store.Column{Kind: store.ColFeature, Name: "region"}},
			{Op: store.CountDistinct, A: income}, {Op: store.Mean, A: income}, {Op: store.StdSamp, A: income},
			{Op: store.Quantile, A: income, Q: 0.5}, {Op: store.Quantile, A: income, Q: 0.9}, {Op: store.Quantile, A: income, Q: 0},
			{Op: store.CountIn, A: store.Column{Kind: store.ColFeature, Name: "region"}, Values: []string{"north"}},
			{Op: store.CountOutside, A: income, Lo: 2e4, Hi: 9e4},
			{Op: store.SumInterp, A: score, Knots: []float64{0.1, 0.35, 0.36, 0.8}, At: []float64{0.05, 0.2, 0.6, 0.9}},
			{Op: store.SumInterp, A: income, Knots: []float64{3e4}, At: []float64{2}}}}
	w, werr = want.Aggregate(ctx, quality)
	g, gerr = got.Aggregate(ctx, quality)
	check("quality measures", w, g, werr, gerr)
	withActual := scope
	withActual.WithActual = true
	withActual.Filters = []store.Filter{{Col: store.Column{Kind: store.ColFeature, Name: "region"}, Op: store.OpIn, Values: []store.Value{store.Str("north"), store.Str("south")}}}
	mae := store.AggregateRequest{Scope: withActual, Measures: []store.Measure{{Op: store.Count}, {Op: store.SumAbsErr, A: score, B: score}}}
	w, werr = want.Aggregate(ctx, mae)
	g, gerr = got.Aggregate(ctx, mae)
	check("filtered", w, g, werr, gerr)

	values := func(st store.Store) ([]store.ValueGroup, error) {
		var out []store.ValueGroup
		err := st.Values(ctx, store.ValuesRequest{Scope: scope, Keys: []store.Key{{Kind: store.KeyBucket, Interval: 7 * 24 * time.Hour}}, Col: income, MaxValues: 1 << 20},
			func(g store.ValueGroup) error {
				g.Values, g.Counts = append([]float64(nil), g.Values...), append([]float64(nil), g.Counts...)
				out = append(out, g)
				return nil
			})
		return out, err
	}
	wv, werr := values(want)
	gv, gerr := values(got)
	check("values", wv, gv, werr, gerr)

	emb := store.Scope{Model: "review-sentiment", From: from, To: to}
	ws, werr := want.VectorSums(ctx, store.VectorSumsRequest{Scope: emb, Keys: []store.Key{{Kind: store.KeyBucket, Interval: 24 * time.Hour}}})
	gs, gerr := got.VectorSums(ctx, store.VectorSumsRequest{Scope: emb, Keys: []store.Key{{Kind: store.KeyBucket, Interval: 24 * time.Hour}}})
	check("vector sums", ws, gs, werr, gerr)

	sreq := store.SampleRequest{Scope: scope, Limit: 300, Stratify: 24 * time.Hour}
	wr, werr := want.Sample(ctx, sreq)
	gr, gerr := got.Sample(ctx, sreq)
	check("sample", wr, gr, werr, gerr)
	if len(wr) > 10 {
		ids := []string{wr[0].ID, wr[5].ID, "no-such-id", wr[10].ID}
		wl, werr := want.Lookup(ctx, store.LookupRequest{Model: "credit-risk", IDs: ids})
		gl, gerr := got.Lookup(ctx, store.LookupRequest{Model: "credit-risk", IDs: ids})
		check("lookup", wl, gl, werr, gerr)
	}
	wm, werr := want.Models(ctx)
	gm, gerr := got.Models(ctx)
	check("models", wm, gm, werr, gerr)
}

// sameJSON compares two JSON documents, numbers within 1e-9 relative.
func sameJSON(want, got string) string {
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return err.Error()
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return err.Error()
	}
	return diff("$", w, g)
}

func diff(path string, w, g any) string {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: want %v, got %v", path, abbrev(w), abbrev(g))
		}
		for k, x := range wv {
			if d := diff(path+"."+k, x, gv[k]); d != "" {
				return d
			}
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: want %d items %v, got %v", path, len(wv), abbrev(w), abbrev(g))
		}
		for i := range wv {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i]); d != "" {
				return d
			}
		}
	case float64:
		gv, ok := g.(float64)
		if !ok || math.Abs(wv-gv) > 1e-9*math.Max(math.Abs(wv), math.Abs(gv)) && math.Abs(wv-gv) > 1e-12 {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
	default:
		if fmt.Sprint(w) != fmt.Sprint(g) {
			return fmt.Sprintf("%s: want %v, got %v", path, abbrev(w), abbrev(g))
		}
	}
	return ""
}

func abbrev(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.ReplaceAll(s, "\n", " ")
}
