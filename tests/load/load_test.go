//go:build load

// Package load drives the built plugin binary, hosted over the plugin
// protocol, with every target of the app's five dashboards at 10 concurrent
// requests while ingest posts batches, and reports latency per query type,
// errors, the ingest queue's 429s and the process's memory and goroutines
// before and after. scripts/bench-load.sh runs the full version (10,000
// queries); ./scripts/test.sh a short one.
package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/vigil-mlobs/vigil/tests/pluginhost"
)

var (
	queries     = flag.Int("queries", 1000, "queries to send")
	duration    = flag.Duration("duration", 90*time.Second, "bound on the query phase")
	concurrency = flag.Int("concurrency", 10, "concurrent query requests")
	scale       = flag.Float64("scale", 0.05, "demo scale of the data queried")
	maxRSSGrow  = flag.Int64("max-rss-growth-mb", 256, "largest RSS growth allowed over the query phase, MiB")
	maxGoGrow   = flag.Int("max-goroutine-growth", 10, "largest goroutine growth allowed over the query phase")
	report      = flag.String("report", "", "also write the figures to this file")
)

// distinctBatches bounds the distinct ingest batches (of 500 records).
const distinctBatches = 100

// target is one dashboard query, variables replaced as Grafana would.
type target struct {
	where     string
	queryType string
	json      json.RawMessage
}

// dashboardTargets reads every target of src/dashboards/*.json; $model,
// $environment and $reference take the demo's values and a panel repeated
// over $feature gets one query per feature.
func dashboardTargets(t *testing.T, h *pluginhost.Host) []target {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(pluginhost.RepoRoot(), "src", "dashboards", "*.json"))
	if len(files) < 5 {
		t.Fatalf("%d dashboards, want the 5 of the app", len(files))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := h.Call(ctx, "Viewer", http.MethodGet, "models/credit-risk/features", nil, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("features: %v %d %s", err, r.Status, r.Body)
	}
	var fs []struct{ Name, Kind string }
	_ = json.Unmarshal(r.Body, &fs)
	var features []string
	for _, f := range fs {
		if f.Kind == "feature" {
			features = append(features, f.Name)
		}
	}
	var out []target
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dash struct {
			Title  string
			Panels []struct {
				Title   string
				Repeat  string
				Targets []map[string]any
			}
		}
		if err := json.Unmarshal(raw, &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, p := range dash.Panels {
			for _, tg := range p.Targets {
				delete(tg, "datasource")
				fsets := [][]string{features}
				if p.Repeat == "feature" {
					fsets = nil
					for _, f := range features {
						fsets = append(fsets, []string{f})
					}
				}
				for _, fset := range fsets {
					b, _ := json.Marshal(tg)
					s := string(b)
					for name, v := range map[string]string{"model": "credit-risk", "reference": "v1", "environment": "production"} {
						s = strings.ReplaceAll(s, "$"+name, v)
					}
					list, _ := json.Marshal(fset)
					s = strings.ReplaceAll(s, `["$feature"]`, string(list))
					s = strings.ReplaceAll(s, "$feature", fset[0])
					if strings.Contains(s, "$") {
						t.Fatalf("%s / %s: a variable is left in %s", dash.Title, p.Title, s)
					}
					var head struct{ QueryType string }
					_ = json.Unmarshal([]byte(s), &head)
					out = append(out, target{where: dash.Title + " / " + p.Title, queryType: head.QueryType, json: json.RawMessage(s)})
				}
			}
		}
	}
	return out
}

// processStats reads the plugin's goroutines and resident memory from its
// own metrics (the SDK exports Go's and the process's collectors).
func processStats(t *testing.T, h *pluginhost.Host) (goroutines int, rss int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := h.Diagnostics.CollectMetrics(ctx, &pluginv2.CollectMetricsRequest{})
	if err != nil {
		t.Fatalf("CollectMetrics: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(resp.Metrics.Prometheus))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_goroutines":
			goroutines = int(v)
		case "process_resident_memory_bytes":
			rss = int64(v)
		}
	}
	if rss == 0 {
		if rss, err = pluginhost.Stats(h.Pid()); err != nil {
			t.Fatal(err)
		}
	}
	if goroutines == 0 {
		t.Fatalf("the plugin's metrics have no go_goroutines:\n%s", resp.Metrics.Prometheus)
	}
	return goroutines, rss
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p*float64(len(d))+0.5) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ingestBody(n, size int) []byte {
	var buf bytes.Buffer
	t0 := time.Now().UTC().Add(-time.Hour)
	for i := 0; i < size; i++ {
		fmt.Fprintf(&buf, `{"model":"load-ingest","version":"v1","environment":"production","id":"b%06d-%04d","timestamp":%q,"features":{"x":%d,"c":"k%d"},"prediction":{"label":"%d","score":0.5}}`+"\n",
			n, i, t0.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i, i%5, i%2)
	}
	return buf.Bytes()
}

func TestDashboardsUnderIngest(t *testing.T) {
	bin, err := pluginhost.Binary()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	vigil, err := pluginhost.BuildVigil(work)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(work, "load.duckdb")
	end := time.Now().UTC().Truncate(time.Minute)
	if out, err := exec.Command(vigil, "demo", "--db", db, "--seed", "3", "--scale", fmt.Sprint(*scale), "--end", end.Format(time.RFC3339)).CombinedOutput(); err != nil {
		t.Fatalf("vigil demo: %v\n%s", err, out)
	}
	// A short ingest queue, so a burst of batches saturates it.
	h, err := pluginhost.Start(bin, db, map[string]any{"ingestQueue": 2})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	targets := dashboardTargets(t, h)
	from := end.Add(-30 * 24 * time.Hour)
	run := func(ctx context.Context, tg target) error {
		resp, err := h.Query(ctx, from, end, tg.json)
		if err != nil {
			return err
		}
		for _, r := range resp.Responses {
			if r.Error != nil {
				return r.Error
			}
		}
		return nil
	}
	// Warm-up: every target once, so caches and pools are in place before the baseline.
	for _, tg := range targets {
		if err := run(context.Background(), tg); err != nil {
			t.Fatalf("%s: %v\nquery %s", tg.where, err, tg.json)
		}
	}
	time.Sleep(time.Second)
	goBefore, rssBefore := processStats(t, h)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies = map[string][]time.Duration{}
		errs      []string
		sent      atomic.Int64
		done      atomic.Int64
	)
	// Ingest while the dashboards refresh: two posters, one batch of 500
	// records at a time each, and a burst of 8 at once every few seconds.
	var ingested, refused, refusedNoRetryAfter, ingestErrs atomic.Int64
	var wgIngest sync.WaitGroup
	var batchN atomic.Int64
	post := func() {
		// Ids cycle over distinctBatches batches: past them a batch holds records
		// the store already has (duplicates, counted, not stored again), so the
		// data stays the same size and memory growth is the queries'.
		n := int(batchN.Add(1))
		r, err := h.Call(ctx, "Editor", http.MethodPost, "ingest", ingestBody(n%distinctBatches, 500), map[string]string{"Idempotency-Key": fmt.Sprintf("load-%d", n)})
		switch {
		case err != nil:
			if ctx.Err() == nil {
				ingestErrs.Add(1)
				mu.Lock()
				errs = append(errs, "ingest: "+err.Error())
				mu.Unlock()
			}
		case r.Status == http.StatusOK:
			ingested.Add(1)
		case r.Status == http.StatusTooManyRequests:
			refused.Add(1)
			if ra := r.Headers["Retry-After"]; len(ra) == 0 || ra[0] == "" {
				refusedNoRetryAfter.Add(1)
			}
		default:
			ingestErrs.Add(1)
			mu.Lock()
			errs = append(errs, fmt.Sprintf("ingest: status %d %s", r.Status, r.Body))
			mu.Unlock()
		}
	}
	for i := 0; i < 2; i++ {
		wgIngest.Add(1)
		go func() {
			defer wgIngest.Done()
			for ctx.Err() == nil && done.Load() < int64(*queries) {
				post()
			}
		}()
	}
	wgIngest.Add(1)
	go func() {
		defer wgIngest.Done()
		for ctx.Err() == nil && done.Load() < int64(*queries) {
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() { defer wg.Done(); post() }()
			}
			wg.Wait()
			select {
			case <-ctx.Done():
			case <-time.After(3 * time.Second):
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := sent.Add(1) - 1
				if i >= int64(*queries) || ctx.Err() != nil {
					return
				}
				tg := targets[int(i)%len(targets)]
				t0 := time.Now()
				err := run(ctx, tg)
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // the time bound ended it
				}
				done.Add(1)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s: %v", tg.where, err))
				} else {
					latencies[tg.queryType] = append(latencies[tg.queryType], d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	wgIngest.Wait()
	time.Sleep(2 * time.Second) // let finished requests' goroutines end
	goAfter, rssAfter := processStats(t, h)

	var b strings.Builder
	fmt.Fprintf(&b, "%d queries (%d dashboard targets, round robin) at %d concurrent requests in %.1fs: %.1f queries/s; demo scale %g\n",
		done.Load(), len(targets), *concurrency, elapsed.Seconds(), float64(done.Load())/elapsed.Seconds(), *scale)
	fmt.Fprintf(&b, "%-22s %7s %9s %9s %9s\n", "query type", "count", "p50 ms", "p99 ms", "max ms")
	types := make([]string, 0, len(latencies))
	for k := range latencies {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		d := latencies[k]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		fmt.Fprintf(&b, "%-22s %7d %9.1f %9.1f %9.1f\n", k, len(d), ms(percentile(d, 0.5)), ms(percentile(d, 0.99)), ms(d[len(d)-1]))
	}
	fmt.Fprintf(&b, "errors: %d\n", len(errs))
	fmt.Fprintf(&b, "ingest while querying: %d batches of 500 answered 200 (ids cycle over %d batches), %d answered 429 (%d without Retry-After), %d failed\n",
		ingested.Load(), distinctBatches, refused.Load(), refusedNoRetryAfter.Load(), ingestErrs.Load())
	fmt.Fprintf(&b, "plugin process: RSS %.0f MiB -> %.0f MiB, goroutines %d -> %d\n",
		float64(rssBefore)/(1<<20), float64(rssAfter)/(1<<20), goBefore, goAfter)
	t.Log("\n" + b.String())
	if *report != "" {
		if err := os.WriteFile(*report, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}

	for i, e := range errs {
		if i == 10 {
			t.Errorf("… %d more errors", len(errs)-10)
			break
		}
		t.Error(e)
	}
	if done.Load() < int64(*queries) {
		t.Errorf("only %d of %d queries finished within %s", done.Load(), *queries, *duration)
	}
	if refused.Load() == 0 {
		t.Error("no ingest request was refused with 429: the burst did not saturate the queue")
	}
	if refusedNoRetryAfter.Load() > 0 {
		t.Errorf("%d 429 answers had no Retry-After", refusedNoRetryAfter.Load())
	}
	if ingested.Load() == 0 {
		t.Error("no batch was stored while the dashboards refreshed")
	}
	if grow := rssAfter - rssBefore; grow > *maxRSSGrow<<20 {
		t.Errorf("RSS grew by %d MiB over the queries, more than the bound of %d MiB", grow>>20, *maxRSSGrow)
	}
	if grow := goAfter - goBefore; grow > *maxGoGrow {
		t.Errorf("goroutines grew by %d over the queries, more than the bound of %d", grow, *maxGoGrow)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
