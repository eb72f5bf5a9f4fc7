// Command drift writes the drift benchmark's dataset: 20 numeric and 5
// categorical features, a 7-day reference period (environment "training")
// and 30 daily windows of production, with drift planted in 5 features from
// known days. scripts/bench-drift-tools.sh runs it and compares Vigil with
// Evidently and NannyML on the result (docs/benchmarks.md).
//
//	go run ./bench/drift --rows 1M --seed 42 --out DIR   # DIR/data.parquet, DIR/truth.json
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	rowsFlag := flag.String("rows", "100k", "number of rows: a whole number, or with a k / M suffix (100k, 1M, 10M)")
	seed := flag.Uint64("seed", 42, "random seed: the same seed and rows give the same file")
	out := flag.String("out", "", "directory to write data.parquet and truth.json into (required)")
	flag.Parse()
	rows, err := parseRows(*rowsFlag)
	if err != nil || *out == "" {
		if err != nil {
			fmt.Fprintln(os.Stderr, "--rows:", err)
		}
		fmt.Fprintln(os.Stderr, "usage: drift --rows N[k|M] [--seed N] --out DIR")
		os.Exit(2)
	}
	start := time.Now()
	if err := GenerateDir(*out, rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d rows (seed %d) to %s in %.1fs\n", rows, *seed, *out, time.Since(start).Seconds())
}

// parseRows reads 100000, 100k or 10M.
func parseRows(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive number of rows", s)
	}
	return n * mult, nil
}
