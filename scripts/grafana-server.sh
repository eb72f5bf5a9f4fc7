#!/usr/bin/env bash
# Finds, starts and stops a real Grafana server for Vigil's demo and end-to-end tests.
#
#   grafana-server.sh ensure
#       Prints GRAFANA_BIN=... and GRAFANA_HOME=... (one per line) for a usable Grafana.
#       Exit 3 when no Grafana is available here (tests may skip on 3).
#   grafana-server.sh start --plugins DIR --provisioning DIR --data DIR
#                           [--port 3000] [--allow-unsigned id1,id2,...]
#       Starts Grafana in the background, offline, bound to 127.0.0.1; writes
#       DATA/grafana.pid and DATA/grafana.log; waits for /api/health; prints the URL.
#   grafana-server.sh stop --data DIR
#       Stops the Grafana started with that data directory.
#
# Where Grafana comes from (first match wins):
#   1. GRAFANA_BIN (and GRAFANA_HOME, else a homepath found next to the binary);
#   2. a `grafana` (or `grafana-server`) on PATH, e.g. from Grafana's own packages;
#   3. nothing: exit 3 with a message. With a Docker engine, `docker compose up`
#      runs Grafana instead (see docker-compose.yml); this script does not drive Docker.
#
# Environment: GRAFANA_ADMIN_USER / GRAFANA_ADMIN_PASSWORD (default admin/admin),
# GRAFANA_START_TIMEOUT (seconds, default 120), GRAFANA_LOG_LEVEL (default info).
set -euo pipefail

readonly GRAFANA_VERSION=13.2.3
readonly EXIT_UNAVAILABLE=3

log() { printf 'grafana-server: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

usage() {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# home_for BIN: prints the homepath (a directory with conf/defaults.ini) for a binary.
home_for() {
	local bin=$1 real dir candidate
	real=$(readlink -f -- "$bin")
	dir=$(dirname -- "$real")
	for candidate in "$dir/.." "$dir" "$dir/../share/grafana" /usr/share/grafana; do
		if [[ -f $candidate/conf/defaults.ini ]]; then
			(cd -- "$candidate" && pwd -P)
			return 0
		fi
	done
	return 1
}

# resolve: sets BIN and HOME_DIR, or exits 3 when no Grafana can be found.
resolve() {
	BIN=${GRAFANA_BIN:-}
	HOME_DIR=${GRAFANA_HOME:-}
	if [[ -n $BIN ]]; then
		[[ -x $BIN ]] || die "GRAFANA_BIN=$BIN is not an executable file"
	else
		BIN=$(command -v grafana || command -v grafana-server || true)
		if [[ -z $BIN ]]; then
			log "no Grafana server found: set GRAFANA_BIN to a Grafana $GRAFANA_VERSION binary"
			log "(and GRAFANA_HOME to its homepath, the directory holding conf/ and public/),"
			log "install Grafana so that \`grafana\` is on PATH, or run it with \`docker compose up\`."
			exit "$EXIT_UNAVAILABLE"
		fi
	fi
	BIN=$(readlink -f -- "$BIN")
	if [[ -z $HOME_DIR ]]; then
		HOME_DIR=$(home_for "$BIN") ||
			die "no homepath (a directory with conf/defaults.ini) found next to $BIN: set GRAFANA_HOME"
	fi
	[[ -f $HOME_DIR/conf/defaults.ini ]] || die "GRAFANA_HOME=$HOME_DIR has no conf/defaults.ini"
	[[ -d $HOME_DIR/public ]] || log "warning: $HOME_DIR has no public/ directory; Grafana may refuse to start"
	HOME_DIR=$(cd -- "$HOME_DIR" && pwd -P)

	local version
	version=$(timeout 30 "$BIN" --version 2>/dev/null | head -n 1 || true)
	if [[ $version != *"$GRAFANA_VERSION"* ]]; then
		log "warning: $BIN reports '${version:-no version}', the project is tested with Grafana $GRAFANA_VERSION"
	fi
}

cmd_ensure() {
	[[ $# -eq 0 ]] || usage
	resolve
	printf 'GRAFANA_BIN=%s\nGRAFANA_HOME=%s\n' "$BIN" "$HOME_DIR"
}

abs_dir() { mkdir -p -- "$1" && (cd -- "$1" && pwd -P); }

# alive PID: true when PID is a running Grafana started by this script.
alive() {
	local pid=$1
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- '--homepath'
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_start() {
	local plugins='' provisioning='' data='' port=3000 unsigned=${GRAFANA_ALLOW_UNSIGNED:-}
	while [[ $# -gt 0 ]]; do
		case $1 in
		--plugins) plugins=${2:?--plugins needs a directory} && shift 2 ;;
		--provisioning) provisioning=${2:?--provisioning needs a directory} && shift 2 ;;
		--data) data=${2:?--data needs a directory} && shift 2 ;;
		--port) port=${2:?--port needs a number} && shift 2 ;;
		--allow-unsigned) unsigned=${2?--allow-unsigned needs plugin ids} && shift 2 ;;
		*) usage ;;
		esac
	done
	[[ -n $plugins && -n $provisioning && -n $data ]] || usage
	[[ $port =~ ^[0-9]+$ ]] || die "--port must be a number, got '$port'"
	command -v curl >/dev/null || die "curl is needed to wait for Grafana"

	resolve
	plugins=$(abs_dir "$plugins")
	provisioning=$(abs_dir "$provisioning")
	data=$(abs_dir "$data")
	local pidfile=$data/grafana.pid logfile=$data/grafana.log url="http://127.0.0.1:$port"

	if [[ -f $pidfile ]]; then
		local old
		old=$(<"$pidfile")
		alive "$old" && die "Grafana is already running for $data (pid $old); stop it first"
		rm -f -- "$pidfile"
	fi
	port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"

	log "starting $BIN (homepath $HOME_DIR) on $url; log: $logfile"
	: >"$logfile"
	# setsid: Grafana and its plugin processes get their own process group, so
	# `stop` can end all of them and a Ctrl-C in the caller's terminal does not.
	env \
		GF_PATHS_DATA="$data" \
		GF_PATHS_LOGS="$data/log" \
		GF_PATHS_PLUGINS="$plugins" \
		GF_PATHS_PROVISIONING="$provisioning" \
		GF_SERVER_HTTP_ADDR=127.0.0.1 \
		GF_SERVER_HTTP_PORT="$port" \
		GF_SERVER_ROOT_URL="$url/" \
		GF_SECURITY_ADMIN_USER="${GRAFANA_ADMIN_USER:-admin}" \
		GF_SECURITY_ADMIN_PASSWORD="${GRAFANA_ADMIN_PASSWORD:-admin}" \
		GF_SECURITY_DISABLE_GRAVATAR=true \
		GF_ANALYTICS_REPORTING_ENABLED=false \
		GF_ANALYTICS_CHECK_FOR_UPDATES=false \
		GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false \
		GF_ANALYTICS_FEEDBACK_LINKS_ENABLED=false \
		GF_NEWS_NEWS_FEED_ENABLED=false \
		GF_SNAPSHOTS_EXTERNAL_ENABLED=false \
		GF_PLUGINS_PREINSTALL_DISABLED=true \
		GF_PLUGINS_PREINSTALL_AUTO_UPDATE=false \
		GF_PLUGINS_PLUGIN_ADMIN_ENABLED=false \
		GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED=true \
		GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS="$unsigned" \
		GF_LOG_MODE=console \
		GF_LOG_LEVEL="${GRAFANA_LOG_LEVEL:-info}" \
		setsid "$BIN" server --homepath "$HOME_DIR" </dev/null >>"$logfile" 2>&1 &
	local pid=$!
	echo "$pid" >"$pidfile"

	local timeout=${GRAFANA_START_TIMEOUT:-120} started=$SECONDS health
	while ((SECONDS - started < timeout)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f -- "$pidfile"
			log "Grafana exited during start-up; last lines of $logfile:"
			tail -n 40 -- "$logfile" >&2
			exit 1
		fi
		health=$(curl -fsS --max-time 2 "$url/api/health" 2>/dev/null || true)
		if [[ $health =~ \"database\"[[:space:]]*:[[:space:]]*\"ok\" ]]; then
			log "ready after $((SECONDS - started)) s"
			echo "$url"
			return 0
		fi
		sleep 1
	done
	log "Grafana did not answer $url/api/health within $timeout s; last lines of $logfile:"
	tail -n 40 -- "$logfile" >&2
	stop_pid "$pid"
	rm -f -- "$pidfile"
	exit 1
}

# stop_pid PID: TERM to Grafana's process group, then KILL after 30 s.
stop_pid() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	log "Grafana (pid $pid) did not stop within 30 s; killing it"
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
	local data=''
	while [[ $# -gt 0 ]]; do
		case $1 in
		--data) data=${2:?--data needs a directory} && shift 2 ;;
		*) usage ;;
		esac
	done
	[[ -n $data ]] || usage
	local pidfile=$data/grafana.pid pid
	if [[ ! -f $pidfile ]]; then
		log "not running (no $pidfile)"
		return 0
	fi
	pid=$(<"$pidfile")
	if alive "$pid"; then
		stop_pid "$pid"
		log "stopped (pid $pid)"
	else
		log "not running (stale pid file)"
	fi
	rm -f -- "$pidfile"
}

case ${1:-} in
ensure) shift && cmd_ensure "$@" ;;
start) shift && cmd_start "$@" ;;
stop) shift && cmd_stop "$@" ;;
*) usage ;;
esac
