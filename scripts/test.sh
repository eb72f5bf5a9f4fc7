#!/usr/bin/env bash
# Runs every test of Vigil on a fresh machine: installs what the tests need from
# the project's own files, then Go unit, golden and CLI tests, the frontend's
# type check, lint and Jest tests, the plugin build, and the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vigil"
mkdir -p "$cache"

step() { printf '\n=== %s\n' "$*"; }
start=$(date +%s)

step "Go modules"
go mod download

step "ClickHouse server and ZooKeeper for the store tests (Debian's clickhouse-server and zookeeperd, run by the tests themselves)"
if ! command -v clickhouse-server >/dev/null || [ ! -x /usr/share/zookeeper/bin/zkServer.sh ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server zookeeperd
fi
# zookeeperd's package starts a ZooKeeper service where an init system runs;
# the tests start their own, on a free port.
# The ClickHouse tests skip without a server elsewhere; here they must run.
export VIGIL_REQUIRE_CLICKHOUSE=1

step "Go formatting and vet"
unformatted=$(gofmt -l pkg tests Magefile.go)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet -tags duckdb_arrow ./...
go vet -tags realdata,duckdb_arrow ./tests/realdata/...
go vet -tags e2e,duckdb_arrow ./tests/e2e/...
go vet -tags crash,duckdb_arrow ./tests/crash/...
go vet -tags load,duckdb_arrow ./tests/load/...

step "Current ClickHouse in-process (chDB) for replaying the ClickHouse store's statements"
chenv="$cache/pyenv-chdb-$(sha256sum tests/clickhouse/requirements.txt | cut -c1-16)"
if [ ! -e "$chenv/.installed" ]; then
  rm -rf "$chenv"
  "$(command -v python3.11 || command -v python3)" -m venv "$chenv"
  "$chenv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r tests/clickhouse/requirements.txt
  touch "$chenv/.installed"
fi
export VIGIL_CHDB_PYTHON="$chenv/bin/python"

step "Go tests (unit, golden, CLI on ../shared/data)"
go test -count=1 -tags duckdb_arrow ./...

step "Fuzzing: every fuzz target for 20 s (scripts/fuzz.sh)"
scripts/fuzz.sh 20

step "Real data against SciPy / scikit-learn / pandas (tests/realdata)"
pyenv="$cache/pyenv-$(sha256sum tests/realdata/requirements.txt | cut -c1-16)"
if [ ! -e "$pyenv/.installed" ]; then
  rm -rf "$pyenv"
  "$(command -v python3.11 || command -v python3)" -m venv "$pyenv"
  "$pyenv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r tests/realdata/requirements.txt
  touch "$pyenv/.installed"
fi
VIGIL_PYTHON="$pyenv/bin/python" go test -count=1 -tags realdata,duckdb_arrow ./tests/realdata/...

step "Frontend dependencies"
npm ci --no-audit --no-fund --prefer-offline

step "Frontend type check, lint and Jest"
npm run typecheck
npm run lint
npm run test:ci

step "Build the plugin (frontend and backend)"
npm run build
go tool mage -v
# The package Grafana's catalog takes: vigil-mlobs-app-VERSION.zip and its sha1.
command -v zip >/dev/null || { apt-get update -qq && apt-get install -y -qq zip; }
scripts/package.sh "$cache/release"

step "Panels in headless Chromium (tests/browser)"
if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium
fi
npm run test:browser

step "End to end: the built plugin binary hosted over the plugin gRPC protocol (tests/e2e)"
go test -count=1 -tags e2e,duckdb_arrow ./tests/e2e/...

step "Crash durability: SIGKILL during plugin ingest, vigil ingest --db and vigil demo (tests/crash)"
go test -count=1 -timeout 10m -tags crash,duckdb_arrow ./tests/crash/...

step "Load, short: dashboards at 10 concurrent requests while ingest posts batches (tests/load; scripts/bench-load.sh runs 10,000 queries)"
go test -count=1 -timeout 10m -tags load,duckdb_arrow ./tests/load/... -args -queries 200 -duration 3m -scale 0.02

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
