#!/usr/bin/env bash
# Embeddings panel benchmark in headless Chromium (Debian's chromium, through playwright-core): the built panel
# (npm run build first) projects 5,000 points of 384 dimensions (synthetic clusters, PCA-50 as the backend
# reduces them) and pans 50,000 points. Prints the time to the final layout and to the first drawn frame, the
# longest main-thread block, and the frames per second while panning.
#   scripts/bench-embeddings.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/panels/embeddings/module.js ]; then
  echo "dist/panels/embeddings/module.js is missing: run npm run build first" >&2
  exit 1
fi
exec node tests/browser/embeddings.bench.mjs
