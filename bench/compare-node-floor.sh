#!/usr/bin/env bash
# Runs ../shared/bench/compare.sh with bench/node-floor.mjs (a bare node:http + undici proxy, no gateway work) as
# the gateway under test, next to the direct baseline and nginx: the Node.js floor Meridian's ratios stand on.
#
#   bench/compare-node-floor.sh
#
# Any BENCH_* variable of the harness may be set (BENCH_ROUNDS, BENCH_MODES, ...).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
cd "$shared"
BENCH_OUT=${BENCH_OUT:-$repo/bench/results/node-floor-$(date +%Y%m%dT%H%M%S)} \
BENCH_TARGETS=${BENCH_TARGETS:-direct nginx gateway} \
GATEWAY_DIR="$repo" \
GATEWAY_CMD="node bench/node-floor.mjs 18300" \
GATEWAY_URL=http://127.0.0.1:18300 \
GATEWAY_HEADERS='' \
  bench/compare.sh
