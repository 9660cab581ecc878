#!/usr/bin/env bash
# Instructions per call, counted by valgrind's callgrind: the same build and inputs give the same count within about
# 0.5 %, where CPU time on this machine drifts by 20 % within an hour. For comparing builds (what a change saves),
# not for ratios against nginx: code runs less optimised under valgrind, so counts lean towards interpreted JS.
#
#   npm run build
#   bench/instructions.sh money [requests=4000]
#       the money path alone (bench/money-path.mjs, batches of 8, no closing verify): the main thread's
#       instructions for `requests` admitted and settled calls, minus those for half as many, per call.
#   bench/instructions.sh gateway [json|stream] [calls=1000] [concurrency=8]
#       the built gateway (bench/gateway.yaml) in front of the harness's mock upstream: 600 warm-up calls not
#       counted, then `calls` counted; the main thread's instructions per call (V8's compiler and GC threads apart).
#       FIXED_LOAD_MODEL picks the model the calls name, e.g. gpt-4o-mini@chunks=1 for a one-chunk stream.
#       INSTRUCTIONS_KEEP=<file> keeps the main thread's callgrind dump (read it with callgrind_annotate).
#   bench/instructions.sh floor [json|stream] [calls=1000] [concurrency=8]
#       the same for bench/node-floor.mjs (the least a Node proxy does per call): what Meridian adds over Node
#       itself, counted the same way.
#
# Needs valgrind (and ../shared/bench for the mock). Loopback only; ports 18100 (mock) and 18300 (gateway).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
callgrind=(valgrind --tool=callgrind --smc-check=all-non-file --separate-threads=yes)

# The main thread's total from a callgrind output (thread 1's file: "<name>-01" when threads are separate).
main_thread_total() {
  grep -m1 '^totals:' "$1-01" | awk '{print $2}'
}

count_money() {
  local requests=${1:-4000} half
  half=$((requests / 2))
  cd "$repo"
  "${callgrind[@]}" --callgrind-out-file="$work/half" node bench/money-path.mjs "$half" 8 batched no-verify > /dev/null 2>&1 &
  "${callgrind[@]}" --callgrind-out-file="$work/full" node bench/money-path.mjs "$requests" 8 batched no-verify > /dev/null 2>&1
  wait
  local low high
  low=$(main_thread_total "$work/half")
  high=$(main_thread_total "$work/full")
  echo "money path: $(((high - low) / (requests - half))) instructions per admitted and settled call"
}

count_gateway() {
  local target=$1 mode=${2:-json} calls=${3:-1000} concurrency=${4:-8}
  local auth='Bearer sk-bench-admin-key-for-loopback-only' port=18300 command
  if [ "$target" = floor ]; then
    port=18400
    command=(node node-floor.mjs "$port")
  else
    command=(node ../dist/main.js serve --config gateway.yaml)
  fi
  local url=http://127.0.0.1:$port/v1/chat/completions
  cd "$repo/bench"
  rm -rf results/gateway-data
  node "$shared/bench/mock-upstream.mjs" --port=18100 --chunks=50 > "$work/mock.log" 2>&1 &
  mock_pid=$!
  MERIDIAN_LOG_LEVEL=silent "${callgrind[@]}" --instr-atstart=no --callgrind-out-file="$work/gateway" \
    "${command[@]}" > "$work/gateway.log" 2>&1 &
  gateway_pid=$!
  trap 'kill "$gateway_pid" "$mock_pid" 2> /dev/null || true; rm -rf "$work"' EXIT
  local attempt
  for attempt in $(seq 1 300); do
    # Any answer means it listens (the floor has no health route and proxies this POST to the mock).
    curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{}' "$url" && break
    sleep 1
  done
  node "$repo/bench/fixed-load.mjs" "$url" 600 "$concurrency" "$mode" "$auth" > /dev/null
  callgrind_control -i on "$gateway_pid" > /dev/null 2>&1
  node "$repo/bench/fixed-load.mjs" "$url" "$calls" "$concurrency" "$mode" "$auth" > /dev/null
  callgrind_control -i off "$gateway_pid" > /dev/null 2>&1
  callgrind_control -d "$gateway_pid" > /dev/null 2>&1
  kill "$gateway_pid" "$mock_pid" 2> /dev/null || true
  wait "$gateway_pid" 2> /dev/null || true
  local dump total
  dump=$(ls "$work"/gateway.*-01 | head -n 1)
  total=$(grep -m1 '^totals:' "$dump" | awk '{print $2}')
  if [ -n "${INSTRUCTIONS_KEEP:-}" ]; then cp "$dump" "$INSTRUCTIONS_KEEP"; fi
  echo "$target $mode: $((total / calls)) instructions per call (main thread, $calls calls, $concurrency at a time)"
}

case "${1:-}" in
  money) count_money "${2:-4000}" ;;
  gateway | floor) count_gateway "$1" "${2:-json}" "${3:-1000}" "${4:-8}" ;;
  *)
    echo "usage: bench/instructions.sh money [requests] | gateway|floor [json|stream] [calls] [concurrency]" >&2
    exit 2
    ;;
esac
