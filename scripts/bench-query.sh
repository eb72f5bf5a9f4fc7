#!/usr/bin/env bash
# Query benchmark: fills a demo store at a scale (default 12, about 10M
# inferences; cached under the user's cache directory by scale) and times the
# queries that dashboards and alert rules ask, cold and warm, through the
# datasource's QueryData code.
#   scripts/bench-query.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-12}
end=2026-11-28T00:00:00Z
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/bench"
mkdir -p "$cache"
db="$cache/demo-scale$scale.duckdb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags duckdb_arrow -o "$work/vigil" ./pkg/cmd/vigil
go build -tags duckdb_arrow -o "$work/query" ./bench/query
if [ ! -f "$db" ]; then
  echo "building the demo store at scale $scale (once; cached in $db)"
  "$work/vigil" demo --db "$db.tmp" --scale "$scale" --end "$end"
  mv "$db.tmp" "$db"
fi
"$work/query" --db "$db" --end "$end" --runs "${RUNS:-5}"
