#!/usr/bin/env bash
# Runs ../shared/bench/compare.sh with Meridian as the gateway under test, next to
# the direct baseline and nginx (and Portkey when PORTKEY_DIR is set). Results land
# in bench/results/ (git-ignored); copy the summary into docs/benchmarks.md.
#
#   npm run build && bench/compare.sh
#
# Any BENCH_* variable of the harness may be set (BENCH_ROUNDS, BENCH_MODES, ...).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
mkdir -p "$repo/bench/results/gateway-data"
targets="direct nginx gateway"
[ -n "${PORTKEY_DIR:-}" ] && targets="direct nginx portkey gateway"
cd "$shared"
BENCH_OUT=${BENCH_OUT:-$repo/bench/results/compare-$(date +%Y%m%dT%H%M%S)} \
BENCH_TARGETS=${BENCH_TARGETS:-$targets} \
GATEWAY_DIR="$repo/bench" \
GATEWAY_CMD="env MERIDIAN_LOG_LEVEL=silent node ../dist/main.js serve --config gateway.yaml" \
GATEWAY_URL=http://127.0.0.1:18300 \
GATEWAY_HEADERS='Authorization: Bearer sk-bench-admin-key-for-loopback-only' \
  bench/compare.sh
