#!/usr/bin/env bash
# Cluster mode's per-node throughput: ../shared/bench/compare.sh with one Meridian node on PostgreSQL
# (bench/gateway-cluster.yaml) as the gateway under test, next to the direct baseline and nginx. Needs a PostgreSQL
# reachable at MERIDIAN_BENCH_POSTGRES_ADMIN_URL (default: the local server, trust auth); a fresh database
# `meridian_bench` is created for the run and dropped after. Results in bench/results/cluster-<time>/.
#
#   npm run build && bench/compare-cluster.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
admin_url=${MERIDIAN_BENCH_POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=meridian_bench
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
trap 'psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)"' EXIT
rm -rf "$repo/bench/results/gateway-cluster-data"
mkdir -p "$repo/bench/results/gateway-cluster-data"
shared=$(cd "$repo/../shared" && pwd)
cd "$shared"
BENCH_OUT=${BENCH_OUT:-$repo/bench/results/cluster-$(date +%Y%m%dT%H%M%S)} \
BENCH_TARGETS=${BENCH_TARGETS:-direct nginx gateway} \
GATEWAY_DIR="$repo/bench" \
GATEWAY_CMD="env MERIDIAN_LOG_LEVEL=silent MERIDIAN_BENCH_POSTGRES_URL=${admin_url%/*}/$database node ../dist/main.js serve --config gateway-cluster.yaml" \
GATEWAY_URL=http://127.0.0.1:18300 \
GATEWAY_HEADERS='Authorization: Bearer sk-bench-admin-key-for-loopback-only' \
  bench/compare.sh
