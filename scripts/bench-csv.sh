#!/usr/bin/env bash
# CSV ingest benchmark: the drift benchmark's data (bench/drift, cached under
# the user's cache directory) written as CSV, loaded with `vigil ingest --db`
# through DuckDB's CSV reader and again row by row (--row-by-row), with and
# without an id column; wall time, peak memory and records per second of each.
#
#   scripts/bench-csv.sh 1M 10M
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 1M
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/bench-drift"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags duckdb_arrow -o "$work/vigil" ./pkg/cmd/vigil
go build -tags duckdb_arrow -o "$work/csv" ./bench/csv
go build -o "$work/gendrift" ./bench/drift
echo "| rows | ids | reader | wall | records/s | peak memory |"
echo "|---|---|---|---|---|---|"
for size in "$@"; do
  data="$cache/data-$size-seed42"
  [ -f "$data/data.parquet" ] || "$work/gendrift" --rows "$size" --seed 42 --out "$data" >/dev/null
  [ -f "$data/data.csv" ] || "$work/csv" --in "$data/data.parquet" --out "$data/data.csv"
  # The same rows with an id column first (the line number).
  awk 'NR == 1 { print "id," $0; next } { print NR - 1 "," $0 }' "$data/data.csv" > "$work/ids.csv"
  for ids in "FILE:LINE" "--id-col"; do
    file="$data/data.csv" idargs=()
    if [ "$ids" = --id-col ]; then file="$work/ids.csv" idargs=(--id-col id); fi
    for reader in "DuckDB read_csv" "row by row"; do
      extra=()
      [ "$reader" = "row by row" ] && extra=(--row-by-row)
      rm -f "$work/v.duckdb" "$work/v.duckdb.wal"
      /usr/bin/time -f "%e %M" -o "$work/time" "$work/vigil" ingest --db "$work/v.duckdb" "${extra[@]}" --model bench --version v1 \
        --environment-col environment --timestamp-col ts "${idargs[@]}" "$file" > "$work/out" 2> "$work/err"
      grep -q "records accepted" "$work/out" || { cat "$work/out" "$work/err"; exit 1; }
      if [ "$reader" = "DuckDB read_csv" ] && grep -q "reading row by row" "$work/err"; then cat "$work/err"; exit 1; fi
      read -r wall kb < "$work/time"
      rows=$(grep -o '[0-9]* new inferences' "$work/out" | cut -d' ' -f1)
      printf '| %s | %s | %s | %.1f s | %s | %d MiB |\n' "$size" "$ids" "$reader" "$wall" \
        "$(awk -v n="$rows" -v s="$wall" 'BEGIN { printf "%.0fk", n / s / 1000 }')" $((kb / 1024))
    done
  done
done
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
