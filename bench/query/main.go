// Command query times Vigil's queries through the datasource's QueryData path
// on a demo store: the first (cold) run and the median of warm runs, plus the
// process's peak memory. scripts/bench-query.sh builds the store and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

type benchCase struct {
	name   string
	target time.Duration
	span   time.Duration
	query  string
}

var cases = []benchCase{
	{"PSI, 7 credit-risk features, hourly over 30 days, reference training", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"drift","model":"credit-risk","environment":"production","metric":"psi","interval":"1h","reference":{"type":"environment","environment":"training","version":"v1"}}`},
	{"PSI of income over the last hour (an alert rule's query)", 200 * time.Millisecond, time.Hour,
		`{"queryType":"drift","model":"credit-risk","environment":"production","features":["income"],"metric":"psi","interval":"1h","reference":{"type":"environment","environment":"training","version":"v1"}}`},
	{"accuracy per version and environment, daily over 30 days", 2 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"performance","model":"credit-risk","metric":"accuracy","interval":"1d"}`},
	{"AUC per version and environment, daily over 30 days", 2 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"performance","model":"credit-risk","metric":"auc","interval":"1d"}`},
	{"disparate impact per version, hourly over 30 days", 2 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"fairness","model":"credit-risk","environment":"production","metric":"disparate_impact","interval":"1h","fairness":{"attribute":"tags.sex","protected":["F"],"reference":["M"],"favorable":"1"}}`},
	{"traffic share of every model and version, hourly over 30 days", 2 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"traffic","metric":"share","interval":"1h"}`},
	{"data quality: missing rate of 7 credit-risk features, hourly over 30 days", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"dataQuality","model":"credit-risk","environment":"production","metric":"missing_rate","interval":"1h"}`},
	{"data quality: out-of-range rate of 4 numeric features, hourly over 30 days", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"dataQuality","model":"credit-risk","environment":"production","metric":"out_of_range_rate","interval":"1h","reference":{"type":"environment","environment":"training","version":"v1"}}`},
	{"data quality: median of 4 numeric features, hourly over 30 days", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"dataQuality","model":"credit-risk","environment":"production","metric":"p50","interval":"1h"}`},
	{"estimated accuracy per version (isotonic), hourly over 30 days", 2 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"estimatedPerformance","model":"credit-risk","environment":"production","metric":"accuracy","interval":"1h"}`},
	{"performance trace of accuracy over 7 features, 30 days", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"performanceTrace","model":"credit-risk","environment":"production","metric":"accuracy"}`},
	{"KS of income, daily over 30 days", 3 * time.Second, 30 * 24 * time.Hour,
		`{"queryType":"drift","model":"credit-risk","environment":"production","features":["income"],"metric":"ks","interval":"1d","reference":{"type":"environment","environment":"training","version":"v1"}}`},
}

func main() {
	db := flag.String("db", "", "DuckDB file with the demo (this or --store)")
	storeURL := flag.String("store", "", "clickhouse://… URL of a ClickHouse store with the demo, instead of --db")
	end := flag.String("end", "", "RFC 3339 end of the demo (required)")
	runs := flag.Int("runs", 5, "warm runs per query")
	only := flag.String("only", "", "run only the queries whose name matches this regular expression")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	flag.Parse()
	match, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "--only:", err)
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "--cpuprofile:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "--cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if (*db == "") == (*storeURL == "") || *end == "" {
		fmt.Fprintln(os.Stderr, "usage: query --db FILE|--store URL --end RFC3339 [--runs N] [--only REGEXP] [--cpuprofile FILE]")
		os.Exit(2)
	}
	to, err := time.Parse(time.RFC3339, *end)
	if err != nil {
		fmt.Fprintln(os.Stderr, "--end:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	st, where, err := openStore(ctx, *db, *storeURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ds := plugin.New(st, models.Settings{QueryTimeout: 600})
	defer ds.Dispose()

	records := int64(0)
	inv, _ := st.Models(ctx)
	for _, m := range inv {
		for _, v := range m.Versions {
			records += v.Records
		}
	}
	fmt.Printf("store: %s, %d inference records\n", where, records)
	fmt.Printf("%-70s %10s %10s %10s %8s\n", "query", "cold", "warm p50", "target", "series")
	failed := 0
	for _, c := range cases {
		if !match.MatchString(c.name) {
			continue
		}
		var times []time.Duration
		series := 0
		for i := 0; i <= *runs; i++ {
			req := &backend.QueryDataRequest{Queries: []backend.DataQuery{{
				RefID: "A", JSON: json.RawMessage(c.query), QueryType: queryType(c.query),
				TimeRange: backend.TimeRange{From: to.Add(-c.span), To: to}, Interval: time.Hour, MaxDataPoints: 10000,
			}}}
			start := time.Now()
			resp, err := ds.QueryData(ctx, req)
			elapsed := time.Since(start)
			if err != nil || resp.Responses["A"].Error != nil {
				fmt.Fprintf(os.Stderr, "%s: %v %v\n", c.name, err, resp.Responses["A"].Error)
				os.Exit(1)
			}
			series = len(resp.Responses["A"].Frames)
			times = append(times, elapsed)
		}
		cold := times[0]
		warm := append([]time.Duration(nil), times[1:]...)
		sort.Slice(warm, func(i, j int) bool { return warm[i] < warm[j] })
		p50 := warm[len(warm)/2]
		mark := ""
		if p50 > c.target {
			mark = "  (over target)"
			failed++
		}
		fmt.Printf("%-70s %10s %10s %10s %8d%s\n", c.name, round(cold), round(p50), c.target, series, mark)
	}
	fmt.Printf("peak memory (VmHWM): %s\n", peakMemory())
	if failed > 0 {
		fmt.Printf("%d of %d queries over their target\n", failed, len(cases))
	}
}

func queryType(js string) string {
	var q struct {
		QueryType string `json:"queryType"`
	}
	_ = json.Unmarshal([]byte(js), &q)
	return q.QueryType
}

func round(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

func peakMemory() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

// openStore opens the embedded DuckDB file or the ClickHouse store of a URL.
func openStore(ctx context.Context, db, url string) (store.Store, string, error) {
	if url == "" {
		st, err := duckdb.Open(ctx, duckdb.Options{Path: db, ReadOnly: true})
		return st, db, err
	}
	opts, err := clickhouse.ParseURL(url)
	if err != nil {
		return nil, "", fmt.Errorf("--store: %w", err)
	}
	st, err := clickhouse.Open(ctx, opts)
	where := "ClickHouse " + opts.Addr
	if opts.Cluster != "" {
		where += ", cluster " + opts.Cluster
	}
	return st, where, err
}
