// Command clickhouse runs the drift benchmark's Vigil steps (ingest of its
// Parquet file, the four-metric drift query) on a two-shard ClickHouse
// cluster beside the embedded DuckDB store, and prints each step's wall time
// and peak memory as a Markdown table. scripts/bench-clickhouse.sh builds it
// and runs it on the drift benchmark's cached data.
//
// The cluster is two clickhouse-server processes started here, each with its
// configuration and data in a temporary directory, on 127.0.0.1 ports, as the
// store's tests start them (pkg/store/clickhouse/chtest).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
)

func main() {
	vigil := flag.String("vigil", "", "the vigil binary (required)")
	data := flag.String("data", "", "folder of the drift benchmark's data.parquet (required)")
	shards := flag.Int("shards", 2, "ClickHouse shards (1: a single node)")
	work := flag.String("work", "", "folder for the DuckDB file and the queries (default: a temporary one)")
	timeout := flag.Duration("timeout", 20*time.Minute, "limit of each step")
	demoScale := flag.Int("demo-scale", 0, "instead of the drift steps: load the demo at this scale into the cluster and run the query benchmark (--query-bin) on it")
	maxMemory := flag.Int64("max-query-memory", 10_000_000_000, "the servers' max_memory_usage, bytes per query (ClickHouse's default: 10 GB)")
	queryBin := flag.String("query-bin", "", "the query benchmark binary (go build ./bench/query), with --demo-scale")
	flag.Parse()
	chtest.MaxQueryMemory = *maxMemory
	if *demoScale > 0 {
		if *vigil == "" || *queryBin == "" {
			fmt.Fprintln(os.Stderr, "usage: clickhouse --vigil BIN --demo-scale N --query-bin BIN [--shards N]")
			os.Exit(2)
		}
		if err := runDemo(*vigil, *queryBin, *demoScale, *shards, *timeout); err != nil {
			fmt.Fprintln(os.Stderr, "bench clickhouse:", err)
			os.Exit(1)
		}
		return
	}
	if *vigil == "" || *data == "" {
		fmt.Fprintln(os.Stderr, "usage: clickhouse --vigil BIN --data DIR [--shards N] [--work DIR] [--timeout D]")
		os.Exit(2)
	}
	if err := run(*vigil, *data, *shards, *work, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "bench clickhouse:", err)
		os.Exit(1)
	}
}

// step is one measured run of a command.
type step struct {
	store, name string
	wall        time.Duration
	peakKiB     int64
	out         []byte
	err         error
}

func run(vigil, data string, shards int, work string, timeout time.Duration) error {
	if work == "" {
		dir, err := os.MkdirTemp("", "vigil-bench-ch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	dep, chURL, err := startCluster(shards)
	if err != nil {
		return err
	}
	defer dep.Stop()
	queries := filepath.Join(work, "query.json")
	if err := os.WriteFile(queries, driftQueries("psi", "js", "ks", "wasserstein"), 0o644); err != nil {
		return err
	}
	parquet := filepath.Join(data, "data.parquet")
	ingest := []string{"ingest", "--format", "parquet", "--model", "bench", "--version", "v1", "--environment-col", "environment", "--timestamp-col", "ts", parquet}
	query := []string{"query", "--from", "2026-10-01T00:00:00Z", "--to", "2026-10-31T00:00:00Z", "--timeout", strconv.Itoa(int(timeout.Seconds())), "--output", "json", "--query", "@" + queries}
	var steps []step
	for _, st := range []struct{ name, flag, value string }{
		{"DuckDB (embedded)", "--db", filepath.Join(work, "vigil.duckdb")},
		{fmt.Sprintf("ClickHouse 18.16, %d shards", shards), "--store", chURL},
	} {
		in := measure(timeout, st.name, "ingest", vigil, append([]string{ingest[0], st.flag, st.value}, ingest[1:]...)...)
		steps = append(steps, in)
		if in.err != nil {
			continue
		}
		steps = append(steps, measure(timeout, st.name, "drift query", vigil, append([]string{query[0], st.flag, st.value}, query[1:]...)...))
	}
	size, _ := fileSize(parquet)
	fmt.Printf("Data: %s%s; %d server process(es) on 127.0.0.1, max_memory_usage %d bytes per query.\n\n", parquet, size, len(dep.Servers), chtest.MaxQueryMemory)
	fmt.Println("| store | step | wall | peak memory of vigil |")
	fmt.Println("|---|---|---|---|")
	failed := false
	for _, s := range steps {
		if s.err != nil {
			failed = true
			fmt.Printf("| %s | %s | failed: %v | – |\n", s.store, s.name, s.err)
			continue
		}
		fmt.Printf("| %s | %s | %.1f s | %.0f MiB |\n", s.store, s.name, s.wall.Seconds(), float64(s.peakKiB)/1024)
	}
	if failed {
		return fmt.Errorf("a step failed")
	}
	// The two stores' answers: the same series, the values within 1e-9 relative.
	a, b := steps[1].out, steps[3].out
	n, worst, err := compareAnswers(a, b)
	if err != nil {
		return fmt.Errorf("the stores' answers differ: %w", err)
	}
	fmt.Printf("\nThe drift answers of both stores: %d values, largest relative difference %.2g.\n", n, worst)
	return nil
}

// compareAnswers walks two query answers side by side: the same shape and
// strings, numbers within 1e-9 relative.
func compareAnswers(a, b []byte) (n int, worst float64, err error) {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return 0, 0, fmt.Errorf("DuckDB answer: %w", err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return 0, 0, fmt.Errorf("ClickHouse answer: %w", err)
	}
	var walk func(path string, x, y any) error
	walk = func(path string, x, y any) error {
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok || len(xv) != len(yv) {
				return fmt.Errorf("%s: %d keys against %v", path, len(xv), y)
			}
			for k, v := range xv {
				if err := walk(path+"."+k, v, yv[k]); err != nil {
					return err
				}
			}
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				return fmt.Errorf("%s: %d items against %v", path, len(xv), y)
			}
			for i := range xv {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i]); err != nil {
					return err
				}
			}
		case float64:
			yv, ok := y.(float64)
			if !ok {
				return fmt.Errorf("%s: %v against %v", path, x, y)
			}
			n++
			d := math.Abs(xv-yv) / math.Max(math.Abs(xv), 1e-300)
			if xv == yv {
				d = 0
			}
			worst = math.Max(worst, d)
			if d > 1e-9 {
				return fmt.Errorf("%s: %v against %v", path, x, y)
			}
		default:
			if x != y && !strings.HasSuffix(path, "executedQueryString") {
				return fmt.Errorf("%s: %v against %v", path, x, y)
			}
		}
		return nil
	}
	return n, worst, walk("", x, y)
}

// driftQueries is the benchmark's query list: one drift query per metric,
// daily over the 30 days, the training environment as reference.
func driftQueries(metrics ...string) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i, m := range metrics {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"refId":%q,"queryType":"drift","model":"bench","environment":"production","target":"feature","metric":%q,"interval":"1d","reference":{"type":"environment","environment":"training"}}`, m, m)
	}
	b.WriteString("]")
	return b.Bytes()
}

var maxRSS = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// measure runs a command under /usr/bin/time -v and reads its peak memory.
func measure(timeout time.Duration, store, name, bin string, args ...string) step {
	s := step{store: store, name: name}
	cmd := exec.Command("timeout", append([]string{strconv.Itoa(int(timeout.Seconds())), "/usr/bin/time", "-v", bin}, args...)...)
	var stderr bytes.Buffer
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	s.wall = time.Since(start)
	s.out = stdout.Bytes()
	if m := maxRSS.FindSubmatch(stderr.Bytes()); m != nil {
		s.peakKiB, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if err != nil {
		s.err = fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 3))
	}
	fmt.Fprintf(os.Stderr, "%s, %s: %.1f s\n", store, name, s.wall.Seconds())
	return s
}

// lastLines is the end of the command's own error output: what it wrote
// before /usr/bin/time's report.
func lastLines(s string, n int) string {
	if i := strings.Index(s, "Command exited with non-zero status"); i >= 0 {
		s = s[:i]
	} else if i := strings.Index(s, "\tCommand being timed"); i >= 0 {
		s = s[:i]
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// fileSize names the file's size for the report.
func fileSize(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(" (%.0f MiB)", float64(fi.Size())/(1<<20)), nil
}

// startCluster starts the servers and returns the store URL of a new database on them.
func startCluster(shards int) (*chtest.Deployment, string, error) {
	bin, err := chtest.Binary()
	if err != nil {
		return nil, "", fmt.Errorf("clickhouse-server: %w", err)
	}
	dep, err := chtest.Start(bin, shards)
	if err != nil {
		return nil, "", fmt.Errorf("starting %d ClickHouse servers: %w", shards, err)
	}
	url := "clickhouse://default@" + dep.Addr() + "/" + chtest.Database("bench")
	if dep.Cluster != "" {
		url += "?cluster=" + dep.Cluster
	}
	return dep, url, nil
}

// demoEnd is the end of the demo data of scripts/bench-query.sh.
const demoEnd = "2026-11-28T00:00:00Z"

// runDemo loads the demo into the cluster (timed) and runs the query
// benchmark on it, printing its table as it is.
func runDemo(vigil, queryBin string, scale, shards int, timeout time.Duration) error {
	dep, url, err := startCluster(shards)
	if err != nil {
		return err
	}
	defer dep.Stop()
	load := measure(timeout, fmt.Sprintf("ClickHouse 18.16, %d shards", shards), "demo load", vigil,
		"demo", "--store", url, "--scale", strconv.Itoa(scale), "--end", demoEnd)
	if load.err != nil {
		return load.err
	}
	fmt.Printf("vigil demo --scale %d into %d shards: %.1f s, vigil's peak memory %.0f MiB\n\n", scale, shards, load.wall.Seconds(), float64(load.peakKiB)/1024)
	cmd := exec.Command(queryBin, "--store", url, "--end", demoEnd, "--runs", "3")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
