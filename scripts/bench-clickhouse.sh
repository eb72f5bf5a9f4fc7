#!/usr/bin/env bash
# ClickHouse benchmark: the drift benchmark's Vigil steps (ingest of its Parquet
# file, the psi/js/ks/wasserstein drift query over 25 features × 30 days) on a
# two-shard ClickHouse cluster beside the embedded DuckDB store, per size; the
# answers of both stores are compared (1e-9 relative). Needs Debian's
# clickhouse-server (as ./scripts/test.sh installs it); the data is the drift
# benchmark's, cached under the user's cache directory.
#
#   scripts/bench-clickhouse.sh 1M 10M
#   scripts/bench-clickhouse.sh --demo 12   # the demo at scale 12 in the cluster, then bench/query's queries
set -euo pipefail
cd "$(dirname "$0")/.."
demo=
if [ "${1:-}" = --demo ]; then demo=${2:?--demo SCALE}; shift 2; fi
[ $# -gt 0 ] || set -- 1M
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/bench-drift"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags duckdb_arrow -o "$work/vigil" ./pkg/cmd/vigil
go build -tags duckdb_arrow -o "$work/benchch" ./bench/clickhouse
go build -o "$work/gendrift" ./bench/drift
if [ -n "$demo" ]; then
  go build -tags duckdb_arrow -o "$work/query" ./bench/query
  echo "== demo at scale $demo (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$work/benchch" --vigil "$work/vigil" --demo-scale "$demo" --query-bin "$work/query"
  echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
  exit 0
fi
for size in "$@"; do
  data="$cache/data-$size-seed42"
  if [ ! -f "$data/data.parquet" ]; then
    "$work/gendrift" --rows "$size" --seed 42 --out "$data"
  fi
  echo "== $size rows (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  mkdir -p "$work/$size"
  "$work/benchch" --vigil "$work/vigil" --data "$data" --work "$work/$size"
  echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
done
