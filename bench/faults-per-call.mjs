// CPU per call split into user and system time, and minor page faults per call, for the gateway under the harness's
// wrk load (json or stream, 32 connections, 8 s after a 3 s warm-up). On a VM where a page fault costs microseconds,
// the faults are part of the CPU figure the harness reports; this shows how much.
// Usage: npm run build && node bench/faults-per-call.mjs [json|stream] [seconds=8] [connections=32]
// Loopback only; ports 18100 (mock) and 18300 (gateway), bench/gateway.yaml; needs wrk.
import { execFileSync } from 'node:child_process';
import { URL, fileURLToPath } from 'node:url';
import { adminKey, gatewayUrl, readCpuSplit, readMinorFaults, startMockAndGateway } from './bench-processes.mjs';

const mode = process.argv[2] ?? 'json';
const seconds = Number(process.argv[3] ?? 8);
const connections = Number(process.argv[4] ?? 32);
const script = fileURLToPath(new URL('../../shared/bench/wrk-chat.lua', import.meta.url));

function load(duration) {
  const env = {
    ...process.env,
    BENCH_HEADERS: `Authorization: Bearer ${adminKey}`,
    BENCH_STREAM: mode === 'stream' ? '1' : '0',
  };
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '-s', script, `${gatewayUrl}/v1/chat/completions`];
  return execFileSync('wrk', args, { env }).toString();
}

function sample(pid) {
  return { ...readCpuSplit(pid), faults: readMinorFaults(pid) };
}

const { gateway, stop } = await startMockAndGateway(50);
try {
  load(3);
  const before = sample(gateway.child.pid);
  const output = load(seconds);
  const after = sample(gateway.child.pid);
  const calls = Number(/(\d+) requests in/.exec(output)?.[1]);
  const perCall = (value) => Math.round((value * 1e6) / calls);
  console.log(
    JSON.stringify({
      mode,
      connections,
      calls,
      cpuMicrosecondsPerCall: perCall(after.user + after.system - before.user - before.system),
      systemMicrosecondsPerCall: perCall(after.system - before.system),
      minorFaultsPerCall: Number(((after.faults - before.faults) / calls).toFixed(2)),
    }),
  );
} finally {
  stop();
}
