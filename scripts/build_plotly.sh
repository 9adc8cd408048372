#!/usr/bin/env bash
# Builds shell/static/js/plotly-opsplan.min.js: plotly.js with only the trace types the app draws
# (scatter, in its core, bar, heatmap, histogram; ui/charts.py's TRACES). The published partial
# bundles carry more: the cartesian one (1.5 MB) adds box, contour, histogram2d, image, pie, violin and
# the world calendars, and takes about 0.55 s to load and run in Chromium here against 0.2 s for
# this one (benchmarks/README.md, stop 33). Needs node and npm; run from anywhere.
set -euo pipefail
VERSION=4.1.1  # the plotly.js plotly.py ships (plotly/package_data/plotly.min.js), so figures mean the same
OUT="$(cd "$(dirname "$0")/.." && pwd)/shell/static/js/plotly-opsplan.min.js"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
echo '{"name": "plotly-opsplan", "version": "1.0.0", "private": true}' > package.json
npm install --no-audit --no-fund --silent "plotly.js@$VERSION" esbuild@0.28.2
cat > entry.js <<'JS'
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap'), require('plotly.js/lib/histogram')]);
module.exports = Plotly;
JS
# maplibre's stylesheet, imported by plotly.js's registry for map traces, is left out (no maps here).
node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=Plotly --minify --target=es2016 \
  --define:global=window --define:define.amd=false --log-level=warning \
  --banner:js="/* plotly.js v$VERSION (MIT, Plotly, Inc.): core, bar, heatmap, histogram; built by opsplan's scripts/build_plotly.sh */" \
  --outfile="$OUT"
rm -f "${OUT%.js}.css"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
