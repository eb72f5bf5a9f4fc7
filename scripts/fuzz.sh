#!/usr/bin/env bash
# Runs every Go fuzz target for SECONDS each (default 20): the NDJSON, CSV and
# Parquet readers, the query parser, the resource routes and the export
# request. A failing input is saved under the package's testdata/fuzz/FuzzX/
# (commit it with the fix: it becomes a regression case that `go test` runs).
#
#   scripts/fuzz.sh            # 20 s per target
#   scripts/fuzz.sh 300        # 5 minutes per target
#   FUZZ_ONLY=FuzzReadCSV scripts/fuzz.sh 60
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
targets=(
  "./pkg/ingest FuzzReadNDJSON"
  "./pkg/ingest FuzzReadCSV"
  "./pkg/ingest FuzzReadParquet"
  "./pkg/models FuzzParse"
  "./pkg/plugin FuzzCallResource"
  "./pkg/plugin FuzzExportRequest"
)
# The fuzzing engine of Go 1.26 can fail a target whose -fuzztime runs out with
# a bare "context deadline exceeded" and no failing input: its coordinator reads
# the deadline before the workers' context is cancelled (go.dev/issue/75804,
# fixed in Go 1.27). The fuzz runs therefore use Go 1.27.3, which the go command
# fetches from the module proxy once (the build and other tests keep go.mod's Go).
export GOTOOLCHAIN="${FUZZ_GOTOOLCHAIN:-go1.27.3}"
# Two workers: the fuzzing engine's default (one per core) starves a shared machine.
workers="${FUZZ_WORKERS:-2}"
# Minimising a new interesting input may take the engine's default of 60 s, a
# long time in a short run; a few seconds are enough for inputs of a few kilobytes.
minimize="${FUZZ_MINIMIZE:-3s}"
failed=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  if [ -n "${FUZZ_ONLY:-}" ] && [ "$FUZZ_ONLY" != "$name" ]; then
    continue
  fi
  printf -- '--- %s %s (%ss)\n' "$pkg" "$name" "$seconds"
  if ! go test -tags duckdb_arrow "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${seconds}s" -fuzzminimizetime "$minimize" -parallel "$workers"; then
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found failures in: ${failed[*]} (inputs saved under testdata/fuzz/)"
  exit 1
fi
echo "every fuzz target ran ${seconds}s without a failure"
