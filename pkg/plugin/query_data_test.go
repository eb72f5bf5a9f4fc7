package plugin_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func demoTarget(t *testing.T, s models.Settings) (*target, *demoData) {
	t.Helper()
	d := loadDemo(t)
	return serve(t, plugin.New(d.store, s)), d
}

func requireOK(t *testing.T, r backend.DataResponse) {
	t.Helper()
	if r.Error != nil || r.Status != backend.StatusOK {
		t.Fatalf("status %d, error %v", r.Status, r.Error)
	}
}

func compareCounts(t *testing.T, got, want map[string]map[int64]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got series for %d versions %v, want %d", len(got), keys(got), len(want))
	}
	for v, wb := range want {
		gb, ok := got[v]
		if !ok {
			t.Fatalf("no series for version %s", v)
		}
		if len(gb) != len(wb) {
			t.Errorf("version %s: %d buckets, want %d (empty buckets are absent)", v, len(gb), len(wb))
		}
		for ms, w := range wb {
			if g, ok := gb[ms]; !ok || g != w {
				t.Errorf("version %s bucket %s: got %v (present %v), want %v", v, time.UnixMilli(ms).UTC().Format(time.RFC3339), g, ok, w)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return models.SortedCopy(out)
}

func TestTrafficCountMatchesTheGeneratedRecords(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	from, to := d.summary.Start, d.summary.End
	for _, tc := range []struct {
		name     string
		env      string
		interval string
		dur      time.Duration
	}{
		{"every environment, daily", "", "1d", 24 * time.Hour},
		{"production, 6h", "production", "6h", 6 * time.Hour},
		{"shadow, hourly", "shadow", "1h", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := map[string]any{"queryType": "traffic", "model": "credit-risk", "metric": "count", "interval": tc.interval}
			if tc.env != "" {
				q["environment"] = tc.env
			}
			r := tg.queryOne(vigilQuery("A", from, to, q))
			requireOK(t, r)
			want := d.trafficCounts("credit-risk", tc.env, from, to, tc.dur)
			compareCounts(t, seriesByVersion(t, r.Frames, "credit-risk", "count"), want)
			for _, f := range r.Frames {
				if f.RefID != "A" {
					t.Errorf("frame %q refId %q", f.Name, f.RefID)
				}
				if u := f.Fields[1].Config.Unit; u != "short" {
					t.Errorf("frame %q unit %q, want short", f.Name, u)
				}
			}
		})
	}
}

func TestTrafficOfEveryModel(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	from, to := d.summary.Start, d.summary.End
	r := tg.queryOne(vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "interval": "1d"}))
	requireOK(t, r)
	got := map[string]float64{}
	for _, f := range r.Frames {
		l := f.Fields[1].Labels
		for i := 0; i < f.Rows(); i++ {
			v, _ := f.Fields[1].ConcreteAt(i)
			got[l["model"]+" "+l["version"]] += v.(float64)
		}
	}
	want := map[string]float64{}
	for k, g := range d.groups {
		want[k.Model+" "+k.Version] += float64(g.Records)
	}
	if len(got) != len(want) {
		t.Fatalf("series %v, want %v", keys(got), keys(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v records over the window, want %v", k, got[k], w)
		}
	}
}

func TestTrafficShareAndStatusLabels(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	// Days 17–24: v2's canary, the rollout and v1's drain.
	from, to := d.summary.Start.AddDate(0, 0, 17), d.summary.Start.AddDate(0, 0, 24)
	counts := d.trafficCounts("credit-risk", "production", from, to, 6*time.Hour)
	totals := map[int64]float64{}
	for _, buckets := range counts {
		for ms, n := range buckets {
			totals[ms] += n
		}
	}
	want := map[string]map[int64]float64{}
	for v, buckets := range counts {
		want[v] = map[int64]float64{}
		for ms, n := range buckets {
			want[v][ms] = n / totals[ms]
		}
	}
	check := func(t *testing.T, r backend.DataResponse, versions ...string) {
		t.Helper()
		requireOK(t, r)
		got := seriesByVersion(t, r.Frames, "credit-risk", "share")
		if len(got) != len(versions) {
			t.Fatalf("series for %v, want %v", keys(got), versions)
		}
		for _, v := range versions {
			if len(got[v]) != len(want[v]) {
				t.Errorf("version %s: %d buckets, want %d", v, len(got[v]), len(want[v]))
			}
			for ms, w := range want[v] {
				if g := got[v][ms]; math.Abs(g-w) > 1e-12 {
					t.Errorf("version %s at %s: share %v, want %v", v, time.UnixMilli(ms).UTC().Format(time.RFC3339), g, w)
				}
			}
		}
		for _, f := range r.Frames {
			if u := f.Fields[1].Config.Unit; u != "percentunit" {
				t.Errorf("frame %q unit %q, want percentunit", f.Name, u)
			}
			l := f.Fields[1].Labels
			if want := string(d.status[[2]string{"credit-risk", l["version"]}].Status); l["status"] != want {
				t.Errorf("version %s: status label %q, want %q", l["version"], l["status"], want)
			}
		}
	}
	t.Run("every version", func(t *testing.T) {
		r := tg.queryOne(vigilQuery("A", from, to, map[string]any{
			"queryType": "traffic", "model": "credit-risk", "environment": "production", "metric": "share", "interval": "6h"}))
		check(t, r, "v1", "v2")
	})
	t.Run("one version keeps its share of the whole model", func(t *testing.T) {
		r := tg.queryOne(vigilQuery("A", from, to, map[string]any{
			"queryType": "traffic", "model": "credit-risk", "environment": "production", "versions": []string{"v1"}, "metric": "share", "interval": "6h"}))
		check(t, r, "v1")
	})
	if d.status[[2]string{"credit-risk", "v1"}].Status != "deprecated" {
		t.Fatalf("the scenario should deprecate credit-risk v1")
	}
}

// The "deprecated version still receiving traffic" alert: from day 25 a stale
// client calls the deprecated credit-risk v1 again.
func TestTrafficOfDeprecatedVersions(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	from, to := d.summary.Start.AddDate(0, 0, 25), d.summary.End
	r := tg.queryOne(vigilQuery("A", from, to, map[string]any{
		"queryType": "traffic", "environment": "production", "status": []string{"deprecated"}, "interval": "1d"}))
	requireOK(t, r)
	got := seriesByVersion(t, r.Frames, "credit-risk", "count")
	want := d.trafficCounts("credit-risk", "production", from, to, 24*time.Hour)
	delete(want, "v2")
	compareCounts(t, got, want)
	if len(want["v1"]) != 5 {
		t.Fatalf("the scenario should send v1 traffic on each of days 25–29, got %d days", len(want["v1"]))
	}
	for _, f := range r.Frames {
		if st := f.Fields[1].Labels["status"]; st != "deprecated" {
			t.Errorf("frame %q has status %q", f.Name, st)
		}
	}
}

func TestModelsTable(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	r := tg.queryOne(vigilQuery("M", d.summary.Start, d.summary.End, map[string]any{"queryType": "models"}))
	requireOK(t, r)
	if len(r.Frames) != 1 {
		t.Fatalf("want one table frame, got %d", len(r.Frames))
	}
	f := r.Frames[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTable {
		t.Fatalf("frame type %v, want table", f.Meta)
	}
	col := func(name string) *data.Field {
		fld, _ := f.FieldByName(name)
		if fld == nil {
			t.Fatalf("no column %q", name)
		}
		return fld
	}
	if f.Rows() != len(d.groups) {
		t.Fatalf("%d rows, want one per (model, version, environment): %d", f.Rows(), len(d.groups))
	}
	seen := map[groupKey]bool{}
	for i := 0; i < f.Rows(); i++ {
		k := groupKey{col("model").At(i).(string), col("version").At(i).(string), col("environment").At(i).(string)}
		g, ok := d.groups[k]
		if !ok || seen[k] {
			t.Fatalf("row %d: unexpected or repeated %v", i, k)
		}
		seen[k] = true
		if n := col("records").At(i).(int64); n != g.Records {
			t.Errorf("%v: %d records, want %d", k, n, g.Records)
		}
		if n := col("actuals").At(i).(int64); n != g.Actuals {
			t.Errorf("%v: %d actuals, want %d", k, n, g.Actuals)
		}
		if ts := col("first_seen").At(i).(*time.Time); ts == nil || !ts.Equal(g.First) {
			t.Errorf("%v: first seen %v, want %v", k, ts, g.First)
		}
		if ts := col("last_seen").At(i).(*time.Time); ts == nil || !ts.Equal(g.Last) {
			t.Errorf("%v: last seen %v, want %v", k, ts, g.Last)
		}
		ev := d.status[[2]string{k.Model, k.Version}]
		if st := col("status").At(i).(string); st != string(ev.Status) {
			t.Errorf("%v: status %q, want %q", k, st, ev.Status)
		}
		if ts := col("status_since").At(i).(*time.Time); ts == nil || !ts.Equal(ev.At) {
			t.Errorf("%v: status since %v, want %v", k, ts, ev.At)
		}
		if n := col("features").At(i).(int64); n != int64(len(d.features[k.Model])) {
			t.Errorf("%v: %d features, want %d", k, n, len(d.features[k.Model]))
		}
	}

	t.Run("filtered by model and environment", func(t *testing.T) {
		r := tg.queryOne(vigilQuery("M", d.summary.Start, d.summary.End, map[string]any{
			"queryType": "models", "model": "credit-risk", "environment": "production"}))
		requireOK(t, r)
		f := r.Frames[0]
		if f.Rows() != 2 {
			t.Fatalf("%d rows, want credit-risk v1 and v2 in production", f.Rows())
		}
		for i := 0; i < f.Rows(); i++ {
			m, _ := f.FieldByName("model")
			e, _ := f.FieldByName("environment")
			if m.At(i) != "credit-risk" || e.At(i) != "production" {
				t.Errorf("row %d: %v %v", i, m.At(i), e.At(i))
			}
		}
	})
}

// The golden files pin the whole wire format (frame names, labels, units,
// metadata) of one traffic and one models response.
func TestGoldenResponses(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	day := func(n int) time.Time { return d.summary.Start.AddDate(0, 0, n) }
	for _, tc := range []struct {
		name string
		q    backend.DataQuery
	}{
		{"traffic_rollout", vigilQuery("A", day(21), day(23), map[string]any{
			"queryType": "traffic", "model": "credit-risk", "environment": "production", "metric": "count", "interval": "6h"})},
		{"models", vigilQuery("A", d.summary.Start, d.summary.End, map[string]any{"queryType": "models"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.queryOne(tc.q)
			requireOK(t, r)
			experimental.CheckGoldenJSONResponse(t, "testdata", tc.name, &r, *updateGolden)
		})
	}
}

func TestOneBadQueryDoesNotDropTheOthers(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	from, to := d.summary.Start, d.summary.End
	resp := tg.query(
		vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "1d"}),
		vigilQuery("B", from, to, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "soon"}),
		vigilQuery("C", from, to, map[string]any{"queryType": "models"}),
		vigilQuery("D", from, to, map[string]any{"queryType": "nonsense"}),
	)
	if len(resp.Responses) != 4 {
		t.Fatalf("%d responses, want 4", len(resp.Responses))
	}
	requireOK(t, resp.Responses["A"])
	compareCounts(t, seriesByVersion(t, resp.Responses["A"].Frames, "credit-risk", "count"),
		d.trafficCounts("credit-risk", "", from, to, 24*time.Hour))
	requireOK(t, resp.Responses["C"])
	if n := resp.Responses["C"].Frames[0].Rows(); n != len(d.groups) {
		t.Errorf("models: %d rows, want %d", n, len(d.groups))
	}
	for _, ref := range []string{"B", "D"} {
		r := resp.Responses[ref]
		msg := responseError(t, r)
		if r.Status != backend.StatusBadRequest || r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: status %d source %q, want 400 downstream (%s)", ref, r.Status, r.ErrorSource, msg)
		}
		if len(r.Frames) != 0 {
			t.Errorf("%s: an error response carries %d frames", ref, len(r.Frames))
		}
	}
	if msg := resp.Responses["B"].Error.Error(); !strings.Contains(msg, `"interval"`) || !strings.Contains(msg, `"soon"`) {
		t.Errorf("B: %q should name the interval option and its value", msg)
	}
}

func TestBadQueries(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{MaxBuckets: 500})
	from, to := d.summary.Start, d.summary.End
	unsupported := ""
	for _, qt := range models.QueryTypes {
		if !engine.Handles(qt) {
			unsupported = qt
			break
		}
	}
	cases := []struct {
		name string
		q    backend.DataQuery
		want []string // each must appear in the message
	}{
		{"unknown query type", vigilQuery("A", from, to, map[string]any{"queryType": "forecast"}),
			[]string{`"queryType"`, `"forecast" is not a query type; one of drift, embeddingDrift,`, "traffic", "models"}},
		{"no query type", vigilQuery("A", from, to, map[string]any{"model": "credit-risk"}),
			[]string{`"queryType"`, "is required"}},
		{"missing model", vigilQuery("A", from, to, map[string]any{"queryType": "performance", "metric": "accuracy"}),
			[]string{`"model"`, "is required for performance queries"}},
		{"unknown model", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "model": "credit-rsk", "interval": "1d"}),
			[]string{`"credit-rsk" is not a known model`, "known models: credit-risk, delivery-eta, review-sentiment"}},
		{"unknown model in a performance query", vigilQuery("A", from, to, map[string]any{"queryType": "performance", "model": "nope", "interval": "1d"}),
			[]string{`"nope" is not a known model`, "credit-risk"}},
		{"bad interval", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "interval": "ten minutes"}),
			[]string{`query option "interval"`, `"ten minutes" is not a duration`}},
		{"negative interval", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "interval": "-1h"}),
			[]string{`query option "interval"`, `"-1h"`}},
		{"bucket limit", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "interval": "1h"}),
			[]string{`query option "interval"`, "720 buckets", "limit of 500", "longer interval"}},
		{"unknown metric", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "metric": "mean"}),
			[]string{`"metric"`, `"mean" is not a traffic metric`, "count, share"}},
		{"unknown lifecycle status", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "interval": "1d", "status": []string{"retired"}}),
			[]string{`"status[0]"`, `"retired" is not a lifecycle status`, "deprecated"}},
		{"time range backwards", vigilQuery("A", to, from, map[string]any{"queryType": "traffic"}),
			[]string{`"timeRange"`, "is after"}},
		{"not JSON", backend.DataQuery{RefID: "A", QueryType: "traffic", JSON: []byte(`{"model": `),
			TimeRange: backend.TimeRange{From: from, To: to}}, []string{"not valid JSON"}},
		{"unknown filter field", vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "1d",
			"filters": []map[string]any{{"field": "features.salary", "op": "=", "value": 1}}}),
			[]string{`filters[0].field`, `no feature "salary"`, "income"}},
		{"misspelt option", vigilQuery("A", from, to, map[string]any{"queryType": "drift", "model": "credit-risk", "feature": []string{"income"}}),
			[]string{`query option "feature"`, "did you mean features?"}},
		{"option of another query type", vigilQuery("A", from, to, map[string]any{"queryType": "fairness", "model": "credit-risk", "positive": "1",
			"fairness": map[string]any{"attribute": "tags.sex", "protected": []string{"F"}, "reference": []string{"M"}, "favorable": "1"}}),
			[]string{`query option "positive"`, "does not apply to fairness queries", "read by performance"}},
		{"misspelt block field", vigilQuery("A", from, to, map[string]any{"queryType": "fairness", "model": "credit-risk",
			"fairness": map[string]any{"attribute": "tags.sex", "protected": []string{"F"}, "reference": []string{"M"}, "favourable": "1"}}),
			[]string{`query option "fairness.favourable"`, "did you mean favorable?"}},
	}
	if unsupported != "" {
		cases = append(cases, struct {
			name string
			q    backend.DataQuery
			want []string
		}{"known but unsupported query type", vigilQuery("A", from, to, map[string]any{"queryType": unsupported, "model": "credit-risk"}),
			[]string{`"` + unsupported + `" queries are not supported`}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.queryOne(tc.q)
			msg := responseError(t, r)
			if r.Status != backend.StatusBadRequest {
				t.Errorf("status %d, want 400 (%s)", r.Status, msg)
			}
			if r.ErrorSource != backend.ErrorSourceDownstream {
				t.Errorf("error source %q, want downstream (%s)", r.ErrorSource, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestPanicInTheEngineIsAnErrorResponse(t *testing.T) {
	d := loadDemo(t)
	tg := serve(t, plugin.New(panickingStore{d.store}, models.Settings{}))
	from, to := d.summary.Start, d.summary.End
	resp := tg.query(
		vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "1d"}),
		vigilQuery("B", from, to, map[string]any{"queryType": "models"}),
		vigilQuery("C", from, to, map[string]any{"queryType": "drift", "model": "credit-risk", "metric": "ks", "interval": "1d"}),
	)
	for _, ref := range []string{"A", "C"} {
		r := resp.Responses[ref]
		msg := responseError(t, r)
		if r.Status != backend.StatusInternal || r.ErrorSource != backend.ErrorSourcePlugin {
			t.Errorf("%s: status %d source %q, want 500 plugin", ref, r.Status, r.ErrorSource)
		}
		if !strings.Contains(msg, "internal error") || !strings.Contains(msg, ref) {
			t.Errorf("message %q should say an internal error happened in query %s", msg, ref)
		}
	}
	// The query after the panic still runs, and the server still answers.
	requireOK(t, resp.Responses["B"])
	if res := tg.health(); res.Status != backend.HealthStatusOk {
		t.Errorf("health after the panic: %v %s", res.Status, res.Message)
	}
}

func TestQueryTimeout(t *testing.T) {
	d := loadDemo(t)
	bs := newBlockingStore(d.store)
	tg := serve(t, plugin.New(bs, models.Settings{QueryTimeout: 1}))
	start := time.Now()
	r := tg.queryOne(vigilQuery("A", d.summary.Start, d.summary.End, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "1d"}))
	elapsed := time.Since(start)
	msg := responseError(t, r)
	if r.Status != backend.StatusTimeout || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("status %d source %q, want 504 downstream", r.Status, r.ErrorSource)
	}
	if !strings.Contains(msg, "timeout of 1s") {
		t.Errorf("message %q should name the 1s timeout", msg)
	}
	if elapsed < time.Second || elapsed > 10*time.Second {
		t.Errorf("answered after %v, want about 1s", elapsed)
	}
	if err := <-bs.done; err != context.DeadlineExceeded {
		t.Errorf("the store query ended with %v, want the deadline", err)
	}
}

func TestCancelledRequestStopsTheStoreQuery(t *testing.T) {
	d := loadDemo(t)
	bs := newBlockingStore(d.store)
	tg := serve(t, plugin.New(bs, models.Settings{}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := harness.Client.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: tg.pluginContext(nil),
			Queries:       []backend.DataQuery{vigilQuery("A", d.summary.Start, d.summary.End, map[string]any{"queryType": "traffic", "model": "credit-risk", "interval": "1d"})},
		})
		errc <- err
	}()
	select {
	case <-bs.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the query never reached the store")
	}
	cancel()
	select {
	case err := <-bs.done:
		if err != context.Canceled {
			t.Errorf("the store query ended with %v, want cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the request did not stop the store query")
	}
	if err := <-errc; err == nil {
		t.Error("a cancelled request should not succeed")
	}
}

// The real DuckDB store honours an expired context too.
func TestExpiredContextOnTheRealStore(t *testing.T) {
	d := loadDemo(t)
	ds := plugin.New(d.store, models.Settings{})
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{
		Queries: []backend.DataQuery{vigilQuery("A", d.summary.Start, d.summary.End, map[string]any{"queryType": "traffic", "model": "credit-risk"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	msg := responseError(t, r)
	if r.Status != backend.StatusTimeout || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("status %d source %q, want 504 downstream: %s", r.Status, r.ErrorSource, msg)
	}
	// The caller's deadline ran out, not the datasource's 30s timeout.
	if strings.Contains(msg, "datasource's timeout") || !strings.Contains(msg, "request's deadline") {
		t.Errorf("message %q blames the wrong deadline", msg)
	}
}

// comparisonLog records what each drift comparison pass of the store asks for.
type comparisonLog struct {
	store.Store
	mu    sync.Mutex
	asked []string
}

func (c *comparisonLog) CDFDistances(ctx context.Context, req store.CDFDistancesRequest, fn func(store.CDFDistanceRow) error) error {
	c.mu.Lock()
	c.asked = append(c.asked, fmt.Sprintf("ks=%v wasserstein=%v bins=%v", req.KS, req.Wasserstein, req.Bins != nil))
	c.mu.Unlock()
	return c.Store.CDFDistances(ctx, req, fn)
}

// The drift queries of one request share one pass over the values, which
// computes what they ask for and nothing else; a bad query among them
// changes nothing.
func TestDriftQueriesOfARequestShareOnePass(t *testing.T) {
	d := loadDemo(t)
	log := &comparisonLog{Store: d.store}
	tg := serve(t, plugin.New(log, models.Settings{}))
	from, to := d.summary.End.Add(-72*time.Hour), d.summary.End
	drift := func(refID, metric string) backend.DataQuery {
		return vigilQuery(refID, from, to, map[string]any{"queryType": "drift", "model": "credit-risk", "environment": "production",
			"features": []string{"income", "age"}, "metric": metric, "interval": "1d",
			"reference": map[string]any{"type": "environment", "environment": "training", "version": "v1"}})
	}
	bad := drift("C", "psi")
	bad.JSON = []byte(`{"queryType":"drift","model":"credit-risk","metric":"wasserstein","interval":"soon"}`)
	resp := tg.query(drift("A", "psi"), drift("B", "ks"), bad)
	requireOK(t, resp.Responses["A"])
	requireOK(t, resp.Responses["B"])
	if r := resp.Responses["C"]; r.Status != backend.StatusBadRequest {
		t.Errorf("C: status %d, want 400", r.Status)
	}
	if want := []string{"ks=true wasserstein=false bins=true"}; !slices.Equal(log.asked, want) {
		t.Errorf("passes %v, want %v", log.asked, want)
	}
	for _, ref := range []string{"A", "B"} {
		if n := len(resp.Responses[ref].Frames); n == 0 {
			t.Errorf("%s: no series", ref)
		}
	}
}
