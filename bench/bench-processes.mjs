// What the self-starting benchmarks (open-streams.mjs, soak.mjs) share: the harness's mock upstream and a gateway
// from bench/gateway.yaml, both on 127.0.0.1, and readings of a process's memory and CPU from /proc.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';

export const mockPort = 18100;
export const gatewayUrl = 'http://127.0.0.1:18300';
export const adminKey = 'sk-bench-admin-key-for-loopback-only';
export const benchDirectory = fileURLToPath(new URL('.', import.meta.url));
const mockPath = fileURLToPath(new URL('../../shared/bench/mock-upstream.mjs', import.meta.url));

export function start(command, args, options) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  return { child, output };
}

/** Whether `url` answers below 500 (a 404 of the mock's root counts: it is up). */
function answers(url, headers) {
  return new Promise((resolve) => {
    get(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode < 500);
    }).on('error', () => resolve(false));
  });
}

export async function waitFor(url, headers, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(url, headers)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function readStatusKiB(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/** Minor page faults so far: the pages the process touched for the first time, or again after giving them back. */
export function readMinorFaults(pid) {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
}

/** CPU seconds in user and in system mode so far. */
export function readCpuSplit(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

export function readCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The mock (default `chunks` per stream) and a gateway on a fresh bench database; resolves once both answer. */
export async function startMockAndGateway(chunks) {
  const mock = start(process.execPath, [mockPath, `--port=${mockPort}`, `--chunks=${chunks}`]);
  rmSync(new URL('results/gateway-data/', import.meta.url), { recursive: true, force: true });
  // BENCH_GATEWAY_NODE_FLAGS: Node or V8 flags for the gateway only (space-separated), to measure one's effect.
  const nodeFlags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
  const gateway = start(process.execPath, [...nodeFlags, '../dist/main.js', 'serve', '--config', 'gateway.yaml'], {
    cwd: benchDirectory,
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' },
  });
  const stop = () => {
    gateway.child.kill('SIGTERM');
    mock.child.kill('SIGTERM');
  };
  try {
    await waitFor(`http://127.0.0.1:${mockPort}/`, {}, 10_000);
    await waitFor(`${gatewayUrl}/v1/models`, { authorization: `Bearer ${adminKey}` }, 30_000);
  } catch (error) {
    stop();
    throw error;
  }
  return { mock, gateway, stop };
}
