#!/usr/bin/env bash
# Drift benchmark: Vigil side by side with Evidently and NannyML on the same
# generated data (bench/drift), per size: wall time, peak memory, agreement of
# the numbers where the definitions match, and planted-drift recall/precision.
#   scripts/bench-drift-tools.sh [--out FILE.md] [--json FILE.json] [--seed N] [SIZE...]    # sizes: 100k 1M 10M (default all three)
# --json writes a machine-readable summary: per size, each step's status, wall
# seconds, peak resident MiB and machine load, the ratios and the targets.
# Environment: BENCH_DRIFT_TIMEOUT (seconds per step, default 600),
# BENCH_DRIFT_NO_SKIP=1 (run a tool at larger sizes even after it failed or
# timed out at a smaller one). See scripts/README.md and docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

out="" jsonout="" seed=42 sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --json) jsonout=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(100k 1M 10M)
for s in "${sizes[@]}"; do
  [[ "$s" =~ ^[0-9]+[kKmM]?$ ]] || { echo "size $s: give a number of rows such as 100k, 1M or 10M" >&2; exit 2; }
done
limit=${BENCH_DRIFT_TIMEOUT:-600}

cache="${XDG_CACHE_HOME:-$HOME/.cache}/vigil"
bench="$cache/bench-drift"
mkdir -p "$bench"
run="$bench/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
[ -n "$out" ] || out="$run/results.md"
echo "run directory: $run"

# /usr/bin/time -v gives the peak resident memory; Debian ships it as "time".
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time
fi

# Python environment keyed by the pinned requirements.
req=bench/drift/requirements.txt
pyenv="$cache/pyenv-drift-$(sha256sum "$req" | cut -c1-16)"
if [ ! -e "$pyenv/.installed" ]; then
  echo "creating the Python environment $pyenv (once)"
  rm -rf "$pyenv"
  "$(command -v python3.11 || command -v python3)" -m venv "$pyenv"
  "$pyenv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r "$req"
  touch "$pyenv/.installed"
fi
py="$pyenv/bin/python"
export DO_NOT_TRACK=1 NML_DISABLE_USAGE_LOGGING=1 PYTHONWARNINGS=ignore

bin="$run/bin"
mkdir -p "$bin"
go build -tags duckdb_arrow -o "$bin/vigil" ./pkg/cmd/vigil
go build -tags duckdb_arrow -o "$bin/gendrift" ./bench/drift

# The environment, for the report.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
duckdb=$(awk '$1=="github.com/duckdb/duckdb-go/v2" {print $2}' go.mod)
pyver=$("$py" bench/drift/tools.py versions)
"$py" - "$run/meta.json" "$cpu" "$(nproc)" "$mem" "$(go env GOVERSION)" "$duckdb" "$seed" "$pyver" "$limit" <<'EOF'
import json, sys
path, cpu, cores, mem, gover, duckdb, seed, pyver, limit = sys.argv[1:]
meta = {"CPU": cpu, "cores": cores, "RAM": mem, "Go": gover, "duckdb-go (go.mod)": duckdb}
meta.update(json.loads(pyver))
meta.update({"seed": seed, "timeout per step": limit + " s"})
json.dump(meta, open(path, "w"), indent=1)
EOF
echo "${sizes[*]}" > "$run/sizes"

# step NAME DIR COMMAND...: runs COMMAND under /usr/bin/time -v and the
# timeout, in DIR/NAME/ (status, time.txt, stdout, stderr), and notes the load.
step() {
  local name=$1 dir=$2; shift 2
  local d="$dir/$name" rc=0
  mkdir -p "$d"
  echo "$name before: $(uptime)" >> "$dir/load.txt"
  # timeout runs under /usr/bin/time so the peak memory of a stopped tool is
  # still reported (wait4 counts the descendants timeout waited for).
  /usr/bin/time -v -o "$d/time.txt" timeout --kill-after=10 "$limit" "$@" > "$d/stdout" 2> "$d/stderr" || rc=$?
  echo "$name after:  $(uptime)" >> "$dir/load.txt"
  case $rc in
    0) echo ok > "$d/status" ;;
    124|137) echo timeout > "$d/status" ;;
    *) echo failed > "$d/status" ;;
  esac
  printf '  %-14s %-8s %s\n' "$name" "$(cat "$d/status")" "$(grep -E 'Elapsed|Maximum resident' "$d/time.txt" 2>/dev/null | sed 's/^\s*//' | tr '\n' ' ')"
  [ "$rc" = 0 ]
}

skip() { mkdir -p "$2/$1"; echo skipped > "$2/$1/status"; printf '  %-14s skipped (failed or timed out at a smaller size)\n' "$1"; }

# query "METRIC..." [FEATURES-JSON]: one drift query per metric, daily over
# the 30 days, reference = the training environment.
query() {
  local metrics=$1 features=${2:-} first=1 m
  printf '['
  for m in $metrics; do
    [ $first = 1 ] || printf ','
    first=0
    printf '{"refId":"%s","queryType":"drift","model":"bench","environment":"production","target":"feature",%s"metric":"%s","interval":"1d","reference":{"type":"environment","environment":"training"}}' \
      "$m" "${features:+\"features\":$features,}" "$m"
  done
  printf ']'
}

declare -A failed=()
from=2026-10-01T00:00:00Z to=2026-10-31T00:00:00Z
for size in "${sizes[@]}"; do
  echo "== $size rows"
  data="$bench/data-$size-seed$seed"
  if [ ! -f "$data/data.parquet" ]; then
    "$bin/gendrift" --rows "$size" --seed "$seed" --out "$data"
  fi
  dir="$run/$size"
  mkdir -p "$dir"
  cp "$data/truth.json" "$dir/truth.json"
  db="$dir/vigil.duckdb"

  if [ -n "${failed[vigil]:-}" ] && [ -z "${BENCH_DRIFT_NO_SKIP:-}" ]; then
    skip vigil-ingest "$dir"; skip vigil-query "$dir"; skip vigil-extra "$dir"
  elif step vigil-ingest "$dir" "$bin/vigil" ingest --db "$db" --format parquet --model bench --version v1 \
      --environment-col environment --timestamp-col ts "$data/data.parquet"; then
    query "psi js ks wasserstein" > "$dir/query.json"
    cats=$("$py" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["categorical"]))' "$data/truth.json")
    { query "ks_pvalue wasserstein_norm"; query "chi2 chi2_pvalue" "$cats"; } | sed 's/\]\[/,/' > "$dir/query-extra.json"
    if step vigil-query "$dir" "$bin/vigil" query --db "$db" --from $from --to $to --timeout "$limit" --query "@$dir/query.json"; then
      step vigil-extra "$dir" "$bin/vigil" query --db "$db" --from $from --to $to --timeout "$limit" --query "@$dir/query-extra.json" || true
      extra=()
      [ "$(cat "$dir/vigil-extra/status")" = ok ] && extra=("$dir/vigil-extra/stdout")
      "$py" bench/drift/tools.py vigil --data "$data" --out "$dir/vigil.csv" "$dir/vigil-query/stdout" "${extra[@]}"
    else
      failed[vigil]=1
    fi
  else
    failed[vigil]=1
  fi
  rm -f "$db" "$db.wal"

  for tool in evidently nannyml; do
    if [ -n "${failed[$tool]:-}" ] && [ -z "${BENCH_DRIFT_NO_SKIP:-}" ]; then
      skip $tool "$dir"
    else
      step $tool "$dir" "$py" bench/drift/tools.py $tool --data "$data" --out "$dir/$tool.csv" || failed[$tool]=1
    fi
  done
  # Exact KS and Wasserstein by SciPy, for the agreement table (not timed).
  timeout "$limit" "$py" bench/drift/tools.py scipy --data "$data" --out "$dir/scipy.csv" 2> "$dir/scipy.log" ||
    echo "  the SciPy reference values did not finish within ${limit}s"
done

echo
[ -n "$jsonout" ] || jsonout="$run/summary.json"
"$py" bench/drift/tools.py report --run "$run" --out "$out" --json "$jsonout"
echo
echo "results: $out"
echo "summary: $jsonout"
