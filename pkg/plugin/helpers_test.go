package plugin_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// updateGolden rewrites the golden files under testdata; use it on purpose only
// (go test ./pkg/plugin -run Golden -update-golden) and review the diff.
var updateGolden = flag.Bool("update-golden", false, "rewrite the golden files under testdata")

const pluginID = "vigil-mlobs-datasource"

// The demo scenario every read-only test queries: fixed end and seed, so the
// records (and the golden files) never change.
var (
	testEnd    = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	demoConfig = demo.Config{Days: 30, Seed: 7, Scale: 0.05, End: testEnd, BatchSize: 4096}
)

// One gRPC server per test binary: the SDK's metrics middleware registers its
// collectors with the default Prometheus registry, so a second server in the same
// process would panic. Tests get their own datasource instance by datasource UID.
var (
	harness   datasourcetest.TestPlugin
	instances = struct {
		sync.Mutex
		byUID   map[string]instancemgmt.Instance
		created map[string]instancemgmt.Instance
		nextID  int64
	}{byUID: map[string]instancemgmt.Instance{}, created: map[string]instancemgmt.Instance{}}
)

func TestMain(m *testing.M) {
	flag.Parse()
	backend.Logger = log.NewNullLogger()
	addr, err := freeAddress()
	if err != nil {
		fmt.Fprintln(os.Stderr, "find a free port:", err)
		os.Exit(1)
	}
	harness, err = datasourcetest.Manage(newInstance, datasourcetest.ManageOpts{Address: addr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the datasource:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = harness.Shutdown()
	if demoFixture.store != nil {
		_ = demoFixture.store.Close()
	}
	chtest.StopAll()
	os.Exit(code)
}

func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// newInstance is the instance factory behind the gRPC server: a datasource a test
// registered under the UID, else the real factory over the settings JSON.
func newInstance(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	instances.Lock()
	defer instances.Unlock()
	if inst, ok := instances.byUID[s.UID]; ok {
		return inst, nil
	}
	inst, err := plugin.NewDatasource(ctx, s)
	if err == nil {
		instances.created[s.UID] = inst
	}
	return inst, err
}

// target is one datasource instance reached through the gRPC client.
type target struct {
	t        *testing.T
	uid      string
	id       int64
	jsonData []byte
}

var settingsUpdated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newTarget(t *testing.T, jsonData []byte) *target {
	instances.Lock()
	instances.nextID++
	id := instances.nextID
	instances.Unlock()
	return &target{t: t, uid: fmt.Sprintf("vigil-test-%d", id), id: id, jsonData: jsonData}
}

// serve registers ds and returns the target that reaches it over gRPC.
func serve(t *testing.T, ds *plugin.Datasource) *target {
	t.Helper()
	tg := newTarget(t, []byte(`{}`))
	instances.Lock()
	instances.byUID[tg.uid] = ds
	instances.Unlock()
	return tg
}

// serveSettings returns a target whose instance the real factory builds from
// the settings JSON; the instance is disposed when the test ends.
func serveSettings(t *testing.T, jsonData string) *target {
	t.Helper()
	tg := newTarget(t, []byte(jsonData))
	t.Cleanup(func() {
		instances.Lock()
		inst := instances.created[tg.uid]
		delete(instances.created, tg.uid)
		instances.Unlock()
		if d, ok := inst.(instancemgmt.InstanceDisposer); ok {
			d.Dispose()
		}
	})
	return tg
}

func (tg *target) pluginContext(user *backend.User) backend.PluginContext {
	return backend.PluginContext{
		OrgID:    1,
		PluginID: pluginID,
		User:     user,
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: tg.id, UID: tg.uid, Name: tg.uid, Type: pluginID, JSONData: tg.jsonData, Updated: settingsUpdated,
		},
	}
}

func (tg *target) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// query sends the queries in one QueryData request and fails the test on a
// transport error; per-query errors are in the responses.
func (tg *target) query(queries ...backend.DataQuery) *backend.QueryDataResponse {
	tg.t.Helper()
	ctx, cancel := tg.ctx()
	defer cancel()
	resp, err := harness.Client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: tg.pluginContext(&backend.User{Login: "viewer", Role: "Viewer"}),
		Queries:       queries,
	})
	if err != nil {
		tg.t.Fatalf("QueryData: %v", err)
	}
	return resp
}

// queryOne sends one query and returns its response.
func (tg *target) queryOne(q backend.DataQuery) backend.DataResponse {
	tg.t.Helper()
	resp := tg.query(q)
	if len(resp.Responses) != 1 {
		tg.t.Fatalf("want 1 response, got %d", len(resp.Responses))
	}
	r, ok := resp.Responses[q.RefID]
	if !ok {
		tg.t.Fatalf("no response for refId %s", q.RefID)
	}
	return r
}

func (tg *target) health() *backend.CheckHealthResult {
	tg.t.Helper()
	ctx, cancel := tg.ctx()
	defer cancel()
	res, err := harness.Client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: tg.pluginContext(nil)})
	if err != nil {
		tg.t.Fatalf("CheckHealth: %v", err)
	}
	return res
}

// resourceResponse is a resource call's answer, chunks joined.
type resourceResponse struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

func (r resourceResponse) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// errorMessage is the "error" of a JSON error body ("" when there is none).
func (r resourceResponse) errorMessage(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.Body)
	}
	return e.Error
}

// resourceCall is one CallResource request; path may carry a query string.
type resourceCall struct {
	Method  string
	Path    string
	Role    string // "" sends no user
	Body    []byte
	Headers map[string]string
}

func (c resourceCall) request(pc backend.PluginContext) *backend.CallResourceRequest {
	path, _, _ := strings.Cut(c.Path, "?")
	headers := map[string][]string{}
	for k, v := range c.Headers {
		headers[k] = []string{v}
	}
	if c.Role != "" {
		pc.User = &backend.User{Login: strings.ToLower(c.Role), Name: c.Role, Role: c.Role}
	} else {
		pc.User = nil
	}
	return &backend.CallResourceRequest{PluginContext: pc, Method: c.Method, Path: path, URL: c.Path, Headers: headers, Body: c.Body}
}

func collect(into *resourceResponse) backend.CallResourceResponseSender {
	return backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if into.Status == 0 {
			into.Status = r.Status
			into.Headers = r.Headers
		}
		into.Body = append(into.Body, r.Body...)
		return nil
	})
}

// call sends a resource call over gRPC.
func (tg *target) call(c resourceCall) resourceResponse {
	tg.t.Helper()
	ctx, cancel := tg.ctx()
	defer cancel()
	var out resourceResponse
	if err := harness.Client.CallResource(ctx, c.request(tg.pluginContext(nil)), collect(&out)); err != nil {
		tg.t.Fatalf("CallResource %s %s: %v", c.Method, c.Path, err)
	}
	return out
}

// callDirect calls the handler in process, as Grafana's adapter would.
func callDirect(t *testing.T, ds *plugin.Datasource, c resourceCall) resourceResponse {
	t.Helper()
	var out resourceResponse
	pc := backend.PluginContext{OrgID: 1, PluginID: pluginID, DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "direct"}}
	if err := ds.CallResource(context.Background(), c.request(pc), collect(&out)); err != nil {
		t.Fatalf("CallResource %s %s: %v", c.Method, c.Path, err)
	}
	return out
}

// decodeJSON decodes a 200 response body.
func decodeJSON(t *testing.T, r resourceResponse, v any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// vigilQuery builds a DataQuery the way Grafana sends one: queryType both in
// the DataQuery and in its JSON.
func vigilQuery(refID string, from, to time.Time, q map[string]any) backend.DataQuery {
	q["refId"] = refID
	raw, err := json.Marshal(q)
	if err != nil {
		panic(err)
	}
	qt, _ := q["queryType"].(string)
	return backend.DataQuery{
		RefID: refID, QueryType: qt, JSON: raw,
		TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Hour, MaxDataPoints: 1000,
	}
}

// newMemStore opens an empty in-memory store closed when the test ends.
func newMemStore(t *testing.T) *duckdb.Store {
	t.Helper()
	st, err := duckdb.Open(context.Background(), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// totalRecords sums the store's inference records per model.
func totalRecords(t *testing.T, st store.Store) map[string]int64 {
	t.Helper()
	inv, err := st.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, m := range inv {
		for _, v := range m.Versions {
			out[m.Name] += v.Records
		}
	}
	return out
}

// The demo fixture: a store filled by the generator, and the same scenario
// counted independently from a second run of the generator.
type groupKey struct{ Model, Version, Environment string }

type groupStats struct {
	Records, Actuals int64
	First, Last      time.Time
}

type observation struct {
	Model, Version, Environment string
	Ms                          int64
}

type demoData struct {
	store    *duckdb.Store
	summary  demo.Summary
	obs      []observation
	groups   map[groupKey]*groupStats
	features map[string]map[string]store.Kind // model → feature → kind
	tags     map[string]map[string]bool       // model → tag names
	embDim   map[string]int
	status   map[[2]string]demo.LifecycleEvent
	err      error
}

var (
	demoOnce    sync.Once
	demoFixture demoData
)

func loadDemo(t *testing.T) *demoData {
	t.Helper()
	demoOnce.Do(func() { demoFixture.err = demoFixture.load(context.Background()) })
	if demoFixture.err != nil {
		t.Fatalf("demo fixture: %v", demoFixture.err)
	}
	return &demoFixture
}

func (d *demoData) load(ctx context.Context) error {
	st, err := duckdb.Open(ctx, duckdb.Options{})
	if err != nil {
		return err
	}
	d.store = st
	sum, err := demo.Generate(ctx, demoConfig, func(b []store.Record) error {
		_, err := st.Ingest(ctx, b, store.IngestOptions{Now: demoConfig.End})
		return err
	})
	if err != nil {
		return err
	}
	d.summary = sum
	for _, ev := range demo.Lifecycle(demoConfig) {
		if err := st.SetVersionStatus(ctx, ev.Model, ev.Version, ev.Status, ev.At); err != nil {
			return err
		}
	}
	return d.count(ctx)
}

// count tallies a second run of the generator without looking at the store.
func (d *demoData) count(ctx context.Context) error {
	d.groups = map[groupKey]*groupStats{}
	d.features = map[string]map[string]store.Kind{}
	d.tags = map[string]map[string]bool{}
	d.embDim = map[string]int{}
	d.status = map[[2]string]demo.LifecycleEvent{}
	byID := map[[2]string]groupKey{}
	_, err := demo.Generate(ctx, demoConfig, func(b []store.Record) error {
		for i := range b {
			r := &b[i]
			if r.ActualOnly {
				k, ok := byID[[2]string{r.Model, r.ID}]
				if !ok {
					return fmt.Errorf("late actual %s/%s before its inference", r.Model, r.ID)
				}
				d.groups[k].Actuals++
				continue
			}
			k := groupKey{r.Model, r.Version, r.Environment}
			byID[[2]string{r.Model, r.ID}] = k
			g := d.groups[k]
			if g == nil {
				g = &groupStats{First: r.Time, Last: r.Time}
				d.groups[k] = g
			}
			g.Records++
			if !r.Actual.IsZero() {
				g.Actuals++
			}
			if r.Time.Before(g.First) {
				g.First = r.Time
			}
			if r.Time.After(g.Last) {
				g.Last = r.Time
			}
			d.obs = append(d.obs, observation{r.Model, r.Version, r.Environment, r.Time.UnixMilli()})
			if d.features[r.Model] == nil {
				d.features[r.Model], d.tags[r.Model] = map[string]store.Kind{}, map[string]bool{}
			}
			for _, f := range r.Features {
				if f.Value.Kind != store.Missing {
					d.features[r.Model][f.Name] = f.Value.Kind
				}
			}
			for _, tg := range r.Tags {
				d.tags[r.Model][tg.Name] = true
			}
			if len(r.Embedding) > 0 {
				d.embDim[r.Model] = len(r.Embedding)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, ev := range demo.Lifecycle(demoConfig) {
		d.status[[2]string{ev.Model, ev.Version}] = ev // events are in time order: the last one wins
	}
	return nil
}

// trafficCounts counts one model's inferences per version and bucket in
// [from, to); env "" counts every environment.
func (d *demoData) trafficCounts(model, env string, from, to time.Time, interval time.Duration) map[string]map[int64]float64 {
	out := map[string]map[int64]float64{}
	iv := interval.Milliseconds()
	for _, o := range d.obs {
		if o.Model != model || (env != "" && o.Environment != env) || o.Ms < from.UnixMilli() || o.Ms >= to.UnixMilli() {
			continue
		}
		if out[o.Version] == nil {
			out[o.Version] = map[int64]float64{}
		}
		b := o.Ms / iv * iv
		if o.Ms < 0 && o.Ms%iv != 0 {
			b -= iv
		}
		out[o.Version][b]++
	}
	return out
}

func (d *demoData) modelNames() []string {
	seen := map[string]bool{}
	var names []string
	for k := range d.groups {
		if !seen[k.Model] {
			seen[k.Model] = true
			names = append(names, k.Model)
		}
	}
	return models.SortedCopy(names)
}

// seriesByVersion reads timeseries-multi frames into version → bucket ms → value,
// checking the frame type and the labels on the way.
func seriesByVersion(t *testing.T, frames data.Frames, model, metric string) map[string]map[int64]float64 {
	t.Helper()
	out := map[string]map[int64]float64{}
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("frame %q: type %v, want timeseries-multi", f.Name, f.Meta)
		}
		if len(f.Fields) != 2 || f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("frame %q: want a time and a value field, got %d fields", f.Name, len(f.Fields))
		}
		labels := f.Fields[1].Labels
		if labels["model"] != model || labels["metric"] != metric {
			t.Fatalf("frame %q labels %v: want model %s, metric %s", f.Name, labels, model, metric)
		}
		v := labels["version"]
		if _, dup := out[v]; dup {
			t.Fatalf("two frames for version %s", v)
		}
		out[v] = map[int64]float64{}
		for i := 0; i < f.Rows(); i++ {
			ts := f.Fields[0].At(i).(time.Time)
			val, ok := f.Fields[1].ConcreteAt(i)
			if !ok {
				t.Fatalf("frame %q row %d: null value", f.Name, i)
			}
			if i > 0 && !ts.After(f.Fields[0].At(i-1).(time.Time)) {
				t.Fatalf("frame %q: times not increasing at row %d", f.Name, i)
			}
			out[v][ts.UnixMilli()] = val.(float64)
		}
	}
	return out
}

// responseError is the message of a response's error, failing when there is none.
func responseError(t *testing.T, r backend.DataResponse) string {
	t.Helper()
	if r.Error == nil {
		t.Fatalf("want an error, got %d frames", len(r.Frames))
	}
	return r.Error.Error()
}

// Test stores: the real store with one method replaced.

// panickingStore panics inside the engine's store call.
type panickingStore struct{ store.Store }

func (panickingStore) Aggregate(context.Context, store.AggregateRequest) (*store.AggregateResult, error) {
	var counts map[string]int
	counts["boom"]++ // a nil map write: a real bug's panic
	return nil, nil
}

// Values panics too: drift computes its targets in goroutines of its own.
func (panickingStore) Values(context.Context, store.ValuesRequest, func(store.ValueGroup) error) error {
	var counts map[string]int
	counts["boom"]++
	return nil
}

// blockingStore's Aggregate waits until its context ends, as a slow scan would;
// it gives up after a bound so a broken timeout fails the test instead of hanging it.
type blockingStore struct {
	store.Store
	entered chan struct{}
	done    chan error
}

func newBlockingStore(inner store.Store) *blockingStore {
	return &blockingStore{Store: inner, entered: make(chan struct{}, 16), done: make(chan error, 16)}
}

func (s *blockingStore) Aggregate(ctx context.Context, _ store.AggregateRequest) (*store.AggregateResult, error) {
	s.entered <- struct{}{}
	select {
	case <-ctx.Done():
		s.done <- ctx.Err()
		return nil, ctx.Err()
	case <-time.After(20 * time.Second):
		err := errors.New("the store query was never cancelled")
		s.done <- err
		return nil, err
	}
}

// brokenStore fails (or panics) when asked for its models.
type brokenStore struct {
	store.Store
	err   error
	panic bool
}

func (s brokenStore) Models(context.Context) ([]store.ModelInfo, error) {
	if s.panic {
		panic("catalog corrupted")
	}
	return nil, s.err
}

// gatedStore holds an ingest inside the store until the test releases it, so
// the ingest queue's slot stays taken for exactly as long as the test wants.
type gatedStore struct {
	store.Store
	entered chan struct{}
	release chan struct{}
}

func (s *gatedStore) Ingest(ctx context.Context, batch []store.Record, opts store.IngestOptions) (store.IngestResult, error) {
	s.entered <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return store.IngestResult{}, ctx.Err()
	case <-time.After(20 * time.Second):
		return store.IngestResult{}, errors.New("the test never released the ingest")
	}
	return s.Store.Ingest(ctx, batch, opts)
}
