#!/usr/bin/env bash
# Builds Vigil, generates the demo data and starts Grafana with everything
# provisioned on http://localhost:3000.
#   scripts/demo.sh            start (Ctrl-C stops Grafana)
#   DEMO_SEED=7 DEMO_SCALE=2 scripts/demo.sh
#   scripts/demo.sh clickhouse  also start ClickHouse (Docker Compose profile
#                               clickhouse) and load the demo there
# Grafana comes from GRAFANA_BIN if set, else Docker Compose when a Docker
# engine answers, else a grafana binary on the PATH (scripts/grafana-server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="$root/.demo"
port=${GRAFANA_PORT:-3000}
mkdir -p "$data"

echo "== building the plugin"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
go tool mage -v
go build -tags duckdb_arrow -o "$data/vigil" ./pkg/cmd/vigil

echo "== generating the demo data"
rm -f "$data/demo.duckdb" "$data/demo.duckdb.wal"
"$data/vigil" demo --db "$data/demo.duckdb" --seed "${DEMO_SEED:-1}" --scale "${DEMO_SCALE:-1}"

user=${GRAFANA_ADMIN_USER:-admin}
pass=${GRAFANA_ADMIN_PASSWORD:-admin}
if [ "${1:-}" = clickhouse ]; then
  if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    echo "scripts/demo.sh clickhouse needs a Docker engine" >&2; exit 1
  fi
  echo "== starting ClickHouse and loading the demo into it"
  VIGIL_DATA_DIR="$data" docker compose --profile clickhouse up -d clickhouse
  chpass=${VIGIL_CLICKHOUSE_PASSWORD:-vigil}
  for _ in $(seq 60); do
    "$data/vigil" version >/dev/null 2>&1 && docker compose exec -T clickhouse clickhouse-client -q 'SELECT 1' >/dev/null 2>&1 && break
    sleep 1
  done
  "$data/vigil" demo --store "clickhouse://vigil:$chpass@127.0.0.1:9000/vigil" --seed "${DEMO_SEED:-1}" --scale "${DEMO_SCALE:-1}"
  echo "== starting Grafana with Docker Compose"
  VIGIL_DATA_DIR="$data" docker compose --profile clickhouse up -d
  echo "Grafana: http://localhost:$port  (user $user, password $pass); datasource \"Vigil (ClickHouse)\""
  exit 0
fi
if [ -z "${GRAFANA_BIN:-}" ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  echo "== starting Grafana with Docker Compose"
  # Grafana runs as this user in the container, so it can write the DuckDB file and its WAL.
  VIGIL_UID=$(id -u) VIGIL_GID=$(id -g) VIGIL_DATA_DIR="$data" docker compose up -d
  echo "Grafana: http://localhost:$port  (user $user, password $pass)"
  echo "Stop it with: docker compose down"
  exit 0
fi

echo "== starting Grafana"
plugins="$data/plugins"
rm -rf "$plugins" && mkdir -p "$plugins"
ln -s "$root/dist" "$plugins/vigil-mlobs-app"
export VIGIL_DB="$data/demo.duckdb" VIGIL_DASHBOARDS="$root/dist/dashboards"
export GRAFANA_ADMIN_USER="$user" GRAFANA_ADMIN_PASSWORD="$pass"
status=0
scripts/grafana-server.sh start --plugins "$plugins" --provisioning "$root/provisioning" \
    --data "$data/grafana" --port "$port" \
    --allow-unsigned vigil-mlobs-app,vigil-mlobs-datasource,vigil-embeddings-panel,vigil-biastrace-panel || status=$?
if [ "$status" -ne 0 ]; then
  if [ "$status" -eq 3 ]; then
    cat <<MSG
No Grafana server is available on this machine. Provide one of:
  - GRAFANA_BIN=/path/to/grafana (release 13.2.3; GRAFANA_HOME its homepath), or
  - a Docker engine (docker compose up), or
  - a grafana binary on the PATH (Grafana's own Linux packages).
The demo data is ready in $data/demo.duckdb; query it without Grafana:
  $data/vigil query --db $data/demo.duckdb --from now-30d --query '{"queryType":"models"}'
MSG
  fi
  exit "$status"
fi
echo "Grafana: http://localhost:$port  (user $user, password $pass)"
echo "Press Ctrl-C to stop."
trap 'scripts/grafana-server.sh stop --data "$data/grafana"' INT TERM EXIT
while kill -0 "$(cat "$data/grafana/grafana.pid")" 2>/dev/null; do sleep 2; done
