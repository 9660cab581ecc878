#!/usr/bin/env bash
# Measures the sandbox path: load generator -> Meridian -> in-process sandbox provider,
# with ../shared/bench/wrk-chat.lua. The sandbox runs inside the gateway process, so
# the CPU per request below includes generating and tokenizing the simulated answer.
#
#   npm run build && bench/sandbox.sh            # results in bench/results/sandbox-<ts>/
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
out=${BENCH_OUT:-$repo/bench/results/sandbox-$(date +%Y%m%dT%H%M%S)}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-"1 32"}
mkdir -p "$out" "$repo/bench/results/gateway-data"
cd "$repo/bench"
taskset -c 1 env MERIDIAN_LOG_LEVEL=silent node ../dist/main.js serve --config gateway.yaml > "$out/gateway.log" 2>&1 &
gateway_pid=$!
trap 'kill $gateway_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q "listening" "$out/gateway.log" && break; sleep 0.2; done
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gateway_pid/stat"; }
for mode in json stream; do
  for conns in $connections; do
    stream=0; [ "$mode" = stream ] && stream=1
    BENCH_STREAM=$stream BENCH_MODEL=meridian/sandbox-chat BENCH_HEADERS='Authorization: Bearer sk-bench-admin-key-for-loopback-only' \
      taskset -c 0 wrk -t1 -c"$conns" -d2s --timeout 10s -s "$shared/bench/wrk-chat.lua" http://127.0.0.1:18300/v1/chat/completions > /dev/null
    before=$(cpu_ticks)
    line=$(BENCH_STREAM=$stream BENCH_MODEL=meridian/sandbox-chat BENCH_HEADERS='Authorization: Bearer sk-bench-admin-key-for-loopback-only' \
      taskset -c 0 wrk -t1 -c"$conns" -d"${duration}s" --timeout 10s -s "$shared/bench/wrk-chat.lua" http://127.0.0.1:18300/v1/chat/completions | grep BENCH_JSON)
    after=$(cpu_ticks)
    rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$gateway_pid/status")
    node -e '
      const [line, mode, conns, before, after, ticks, rss] = process.argv.slice(1);
      const run = JSON.parse(line.replace("BENCH_JSON ", ""));
      const cpuMs = (Number(after) - Number(before)) * 1000 / Number(ticks);
      const errors = run.err_connect + run.err_read + run.err_write + run.err_status + run.err_timeout;
      console.log(JSON.stringify({ mode, conns: Number(conns), rps: run.rps, p50_ms: run.lat_p50_us / 1000, p99_ms: run.lat_p99_us / 1000, errors, cpu_us_per_request: Math.round(cpuMs * 1000 / run.requests), rss_mib: Math.round(Number(rss) / 1024) }));
    ' "$line" "$mode" "$conns" "$before" "$after" "$ticks" "$rss_kib" | tee -a "$out/sandbox.jsonl"
  done
done
