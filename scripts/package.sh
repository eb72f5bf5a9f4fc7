#!/usr/bin/env bash
# Packages the built plugin as Grafana's catalog expects it: a zip holding one
# folder named after the app's id (vigil-mlobs-app/) with everything of dist/,
# named vigil-mlobs-app-VERSION.zip, and its SHA-1 beside it.
#
#   npm run build && go tool mage   # dist/: frontend, nested plugins, backend binary
#   scripts/package.sh [OUT_DIR]    # default OUT_DIR: release/
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-release}"
id=vigil-mlobs-app
version=$(node -p "require('./package.json').version")

for file in dist/plugin.json dist/module.js dist/datasource/plugin.json dist/datasource/gpx_vigil_linux_amd64; do
  if [ ! -e "$file" ]; then
    echo "package: $file is missing: run npm run build and go tool mage first" >&2
    exit 1
  fi
done
built=$(node -p "require('./dist/plugin.json').info.version")
if [ "$built" != "$version" ]; then
  echo "package: dist/ holds version $built, package.json says $version: rebuild" >&2
  exit 1
fi
command -v zip >/dev/null || { echo "package: zip is missing (apt-get install -y zip)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R dist "$stage/$id"
# Grafana runs the backend binary: it must be executable in the archive.
chmod 0755 "$stage/$id"/datasource/gpx_vigil_*
mkdir -p "$out"
zipfile="$(cd "$out" && pwd)/$id-$version.zip"
rm -f "$zipfile" "$zipfile.sha1"
(cd "$stage" && zip -q -r -X "$zipfile" "$id")
(cd "$(dirname "$zipfile")" && sha1sum "$(basename "$zipfile")" | cut -d' ' -f1 > "$(basename "$zipfile").sha1")
echo "$zipfile"
echo "sha1 $(cat "$zipfile.sha1")"
