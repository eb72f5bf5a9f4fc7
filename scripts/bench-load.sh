#!/usr/bin/env bash
# Load: the built plugin binary, hosted over the plugin protocol, answers every
# target of the five dashboards (src/dashboards/*.json) round robin at 10
# concurrent requests while ingest posts batches (two posters, plus a burst of
# 8 at once every 3 s against a queue of 2, so some are refused with 429).
# Prints p50/p99 per query type, errors (must be 0), the 429s and whether each
# carried Retry-After, and the plugin's RSS and goroutines before and after.
# Fails on any error, on a 429 without Retry-After, on RSS growth over 256 MiB
# or goroutine growth over 10.
#
#   scripts/bench-load.sh                 # 10,000 queries, bounded to 30 minutes
#   scripts/bench-load.sh 2000 10m 0.1    # queries, time bound, demo scale
#
# Needs the plugin binary (go tool mage). Record `uptime` with the figures:
# the latencies depend on what else the machine runs.
set -euo pipefail
cd "$(dirname "$0")/.."
queries="${1:-10000}"
bound="${2:-30m}"
scale="${3:-0.05}"
report="${BENCH_LOAD_REPORT:-$(mktemp)}"
uptime
go test -count=1 -timeout 2h -tags load,duckdb_arrow ./tests/load/ -run TestDashboardsUnderIngest -v \
  -args -queries "$queries" -duration "$bound" -scale "$scale" -report "$report"
echo
cat "$report"
uptime
