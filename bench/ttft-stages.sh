#!/usr/bin/env bash
# Where a first token waits inside the gateway: the built gateway (bench/gateway.yaml) with bench/ttft-stages.mjs
# preloaded, pinned like the harness pins it (mock and probe on core 0, gateway on core 1), probed one stream at a
# time by the harness's TTFT probe (unpaced 50-chunk streams). Prints the probe's TTFT p50 and the gateway's
# stage medians (µs after the request reached the server) for `calls` probes, after a warm-up not counted.
#
#   npm run build && bench/ttft-stages.sh [calls=2000] [warmup=600]
#
# Needs ../shared/bench (mock and probe) and taskset. Loopback only; ports 18100 (mock) and 18300 (gateway).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
calls=${1:-2000}
warmup=${2:-600}
work=$(mktemp -d)
auth='Authorization: Bearer sk-bench-admin-key-for-loopback-only'
url=http://127.0.0.1:18300/v1/chat/completions

cd "$repo/bench"
rm -rf results/gateway-data
taskset -c 0 node "$shared/bench/mock-upstream.mjs" --port=18100 --chunks=50 > "$work/mock.log" 2>&1 &
mock_pid=$!
MERIDIAN_LOG_LEVEL=silent taskset -c 1 node --import "$repo/bench/ttft-stages.mjs" ../dist/main.js serve \
  --config gateway.yaml > "$work/gateway.log" 2>&1 &
gateway_pid=$!
trap 'kill "$gateway_pid" "$mock_pid" 2> /dev/null || true; rm -rf "$work"' EXIT
for attempt in $(seq 1 100); do
  curl -sf -o /dev/null http://127.0.0.1:18300/healthz && break
  [ "$attempt" = 100 ] && { echo "ttft-stages: the gateway did not start" >&2; cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.2
done

probe() {
  BENCH_HEADERS="$auth" taskset -c 0 node "$shared/bench/ttft.mjs" --url="$url" --n="$1" --warmup=5 \
    --max-seconds=60 --model=gpt-4o-mini@chunks=50
}
probe "$warmup" > /dev/null
kill -USR2 "$gateway_pid"
sleep 0.5
printed=$(stat -c %s "$work/gateway.log")
echo "probe: $(probe "$calls" | grep -oE '"ttft_p50_us":[0-9]+|"ok":[0-9]+' | tr '\n' ' ')"
kill -USR2 "$gateway_pid"
sleep 0.5
tail -c +$((printed + 1)) "$work/gateway.log"
