#!/usr/bin/env bash
# Ingest benchmark: generates the demo scenario at a scale (default 12, about 10M
# inferences and 7M late actuals) straight into a fresh DuckDB file through the
# store's ingest path, and prints records/s and the process's peak memory.
#   scripts/bench-ingest.sh [SCALE] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-12}
batch=${2:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags duckdb_arrow -o "$work/vigil" ./pkg/cmd/vigil
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)"; exit 1; }
/usr/bin/time -f '%M %e' -o "$work/time" "$work/vigil" demo --db "$work/bench.duckdb" --scale "$scale" --batch "$batch" --end 2026-11-28T00:00:00Z
read -r peak_kb wall < "$work/time"
printf 'scale %s, batch %s: wall %ss, peak memory %d MiB, database file %d MiB, %d cores\n' \
  "$scale" "$batch" "$wall" $((peak_kb / 1024)) $(( $(stat -c %s "$work/bench.duckdb") / 1048576 )) "$(nproc)"
