package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
)

type queryFlags struct {
	db, from, to, query string
	store               string
	interval            string
	timeout             int
	memory              string
}

// readMemoryLimit is DuckDB's memory limit for queries from the command
// line: its own default (80% of RAM) lets the blocks a query read stay
// cached in the process, which a one-off query has no use for.
const readMemoryLimit = "512MB"

func (f *queryFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&f.db, "db", "", "DuckDB file to read (this or --store is required)")
	fs.StringVar(&f.store, "store", "", storeFlagHelp)
	fs.StringVar(&f.from, "from", "", "start of the time range, RFC 3339 or now-7d (required)")
	fs.StringVar(&f.to, "to", "now", "end of the time range, RFC 3339 or now")
	fs.StringVar(&f.query, "query", "", "the query JSON (docs/queries.md), a JSON list of queries, or @FILE (required)")
	fs.StringVar(&f.interval, "interval", "", "Grafana's $__interval for queries without their own interval (default 1h)")
	fs.IntVar(&f.timeout, "timeout", models.DefaultQueryTimeout, "query timeout in seconds")
	fs.StringVar(&f.memory, "memory-limit", readMemoryLimit, "DuckDB's memory limit (with --db)")
}

// runQueries runs the queries through the datasource's QueryData, exactly as
// Grafana would.
// tightenGC makes the collector run at half the default heap growth for a
// query or gate: the drift metrics sort each feature's values in turn, and
// with the default a 1M-row drift query peaked near 400 MiB instead of about
// 330 MiB at no cost in speed (scripts/bench-drift-tools.sh). A GOGC set by
// the user wins.
func tightenGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

func runQueries(ctx context.Context, f queryFlags) (*backend.QueryDataResponse, []string, error) {
	tightenGC()
	target, err := parseStoreTarget(f.db, f.store)
	if err != nil {
		return nil, nil, err
	}
	if target.empty() || f.from == "" || f.query == "" {
		return nil, nil, usagef("--db (or --store), --from and --query are required")
	}
	now := time.Now().UTC()
	from, err := parseCLITime(f.from, now)
	if err != nil {
		return nil, nil, usagef("--from: %v", err)
	}
	to, err := parseCLITime(f.to, now)
	if err != nil {
		return nil, nil, usagef("--to: %v", err)
	}
	text := f.query
	if strings.HasPrefix(text, "@") {
		b, err := os.ReadFile(text[1:])
		if err != nil {
			return nil, nil, usagef("--query: %v", err)
		}
		text = string(b)
	}
	var raws []json.RawMessage
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "[") {
		if err := json.Unmarshal([]byte(trimmed), &raws); err != nil {
			return nil, nil, usagef("--query: not a JSON list of queries: %v", err)
		}
	} else {
		raws = []json.RawMessage{json.RawMessage(trimmed)}
	}
	var interval time.Duration
	if f.interval != "" {
		if interval, err = time.ParseDuration(f.interval); err != nil {
			return nil, nil, usagef("--interval: %v", err)
		}
	}
	req := &backend.QueryDataRequest{}
	var refIDs []string
	for i, raw := range raws {
		var head struct {
			RefID     string `json:"refId"`
			QueryType string `json:"queryType"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, nil, usagef("--query: query %d is not a JSON object: %v", i+1, err)
		}
		if head.RefID == "" {
			head.RefID = string(rune('A' + i%26))
			if i >= 26 {
				head.RefID += fmt.Sprint(i / 26)
			}
		}
		refIDs = append(refIDs, head.RefID)
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: head.RefID, QueryType: head.QueryType, JSON: raw, Interval: interval, MaxDataPoints: 10_000,
			TimeRange: backend.TimeRange{From: from, To: to},
		})
	}
	st, err := target.openRead(ctx, f.memory)
	if err != nil {
		return nil, nil, err
	}
	ds := plugin.New(st, models.Settings{Path: f.db, QueryTimeout: f.timeout})
	defer ds.Dispose()
	resp, err := ds.QueryData(ctx, req)
	return resp, refIDs, err
}

func parseCLITime(s string, now time.Time) (time.Time, error) {
	if s == "now" {
		return now, nil
	}
	if rest, ok := strings.CutPrefix(s, "now-"); ok {
		d, err := parseDurationWithDays(rest)
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(-d), nil
	}
	return ingest.ParseTime(s)
}

func parseDurationWithDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90m, 6h or 7d", s)
	}
	return d, nil
}

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f queryFlags
	fs := newFlags("query", stderr)
	f.register(fs)
	output := fs.String("output", "", "table, csv or json (default: table when stdout is a terminal, else json, the QueryData response)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := outputFormat(*output, stdout)
	if err != nil {
		return err
	}
	resp, refIDs, err := runQueries(ctx, f)
	if err != nil {
		return err
	}
	if err := writeResponse(stdout, stderr, format, resp, refIDs); err != nil {
		return err
	}
	var failed []string
	for _, id := range refIDs {
		if r := resp.Responses[id]; r.Error != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", id, r.Error))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

func runGate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f queryFlags
	fs := newFlags("gate", stderr)
	f.register(fs)
	maxV := fs.Float64("max", math.NaN(), "fail when any value is above this bound")
	minV := fs.Float64("min", math.NaN(), "fail when any value is below this bound")
	allowEmpty := fs.Bool("allow-empty", false, "pass series that have no non-null value (by default they fail the gate with exit code 3)")
	summary := fs.String("summary", "", "append a Markdown report of the series that crossed the bound to this file (e.g. $GITHUB_STEP_SUMMARY)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if math.IsNaN(*maxV) && math.IsNaN(*minV) {
		return usagef("give --max, --min or both")
	}
	resp, refIDs, err := runQueries(ctx, f)
	if err != nil {
		return err
	}
	report := &gateReport{maxV: *maxV, minV: *minV, from: f.from, to: f.to, query: f.query}
	crossed, checked, empty := 0, 0, 0
	for _, id := range refIDs {
		r := resp.Responses[id]
		if r.Error != nil {
			return fmt.Errorf("query %s: %v", id, r.Error)
		}
		series := 0
		for _, frame := range r.Frames {
			if frame.Meta == nil || frame.Meta.Type != data.FrameTypeTimeSeriesMulti || len(frame.Fields) < 2 {
				continue
			}
			tf, vf := frame.Fields[0], frame.Fields[1]
			if vf.Len() == 0 {
				continue
			}
			series++
			var worst []string
			worstAt, worstExcess := -1, 0.0
			values := 0
			for i := 0; i < vf.Len(); i++ {
				v, ok := vf.ConcreteAt(i)
				if !ok {
					continue
				}
				values++
				x, _ := v.(float64)
				if (!math.IsNaN(*maxV) && x > *maxV) || (!math.IsNaN(*minV) && x < *minV) {
					t, _ := tf.At(i).(time.Time)
					worst = append(worst, fmt.Sprintf("%s=%.6g", t.UTC().Format(time.RFC3339), x))
					if e := report.excess(x); worstAt < 0 || e > worstExcess {
						worstAt, worstExcess = i, e
					}
				}
			}
			if values == 0 {
				empty++
				report.empty = append(report.empty, fmt.Sprintf("%s {%s}: %s", frame.Name, labelText(vf.Labels), gateReason(r.Frames)))
				fmt.Fprintf(stdout, "%s %s {%s}: no non-null value in %d buckets: %s\n", emptyWord(*allowEmpty), frame.Name, labelText(vf.Labels), vf.Len(), gateReason(r.Frames))
				continue
			}
			checked++
			if values < vf.Len() {
				fmt.Fprintf(stdout, "note %s {%s}: %d of %d buckets are null and not checked\n", frame.Name, labelText(vf.Labels), vf.Len()-values, vf.Len())
			}
			if len(worst) > 0 {
				crossed++
				x, _ := vf.ConcreteAt(worstAt)
				t, _ := tf.At(worstAt).(time.Time)
				xv, _ := x.(float64)
				report.crossings = append(report.crossings, gateCrossing{
					series: fmt.Sprintf("%s {%s}", frame.Name, labelText(vf.Labels)), worst: xv, when: t, crossed: len(worst), all: vf.Len(),
				})
				fmt.Fprintf(stdout, "CROSSED %s {%s}: %d of %d buckets out of bounds: %s\n", frame.Name, labelText(vf.Labels), len(worst), vf.Len(), firstN(worst, 5))
			}
		}
		if series == 0 {
			empty++
			report.empty = append(report.empty, fmt.Sprintf("query %s: no series: %s", id, gateReason(r.Frames)))
			fmt.Fprintf(stdout, "%s query %s: no series: %s\n", emptyWord(*allowEmpty), id, gateReason(r.Frames))
		}
	}
	report.checked = checked
	switch {
	case crossed > 0:
		fmt.Fprintf(stdout, "gate failed: %d of %d series crossed the bound\n", crossed, checked)
		if err := report.writeSummary(*summary, "failed"); err != nil {
			return err
		}
		return errGateFailed
	case empty > 0 && !*allowEmpty:
		fmt.Fprintf(stdout, "gate failed: %d series or queries have no value to check (exit 3; --allow-empty passes them)\n", empty)
		if err := report.writeSummary(*summary, "failed, nothing to check"); err != nil {
			return err
		}
		return errGateEmpty
	case empty > 0:
		fmt.Fprintf(stdout, "gate passed: %d series within bounds, %d empty allowed by --allow-empty\n", checked, empty)
		return report.writeSummary(*summary, "passed")
	}
	fmt.Fprintf(stdout, "gate passed: %d series within bounds\n", checked)
	return report.writeSummary(*summary, "passed")
}

func emptyWord(allowed bool) string {
	if allowed {
		return "EMPTY (allowed)"
	}
	return "EMPTY"
}

// gateReason joins the notices of a query's frames: why its values are null.
func gateReason(frames data.Frames) string {
	var parts []string
	for _, f := range frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			parts = append(parts, n.Text)
		}
	}
	if len(parts) == 0 {
		return "the query gave no reason"
	}
	return strings.Join(parts, "; ")
}

func labelText(l data.Labels) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ", ")
}

func firstN(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return strings.Join(ss[:n], ", ") + fmt.Sprintf(" … (+%d more)", len(ss)-n)
}
