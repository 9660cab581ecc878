// What the response cache costs and saves per call, in memory and shared through Redis: two gateway nodes (each on
// its own SQLite file) share a private redis-server, in front of the harness's mock upstream. Each phase sends
// `calls` JSON calls with distinct prompts, `concurrency` at a time, and reports the CPU time (user + system, from
// /proc) the serving node and Redis spent per call:
//   no cache      node A, no cache header (the ordinary paid call)
//   miss          node A, x-meridian-cache: true, new prompts (a paid call, a Redis lookup and a Redis store)
//   shared hit    node B, the same prompts (found in Redis, kept in B's memory, served free)
//   memory hit    node B, the same prompts again (found in B's memory)
// Usage: npm run build && node bench/shared-cache.mjs [calls=4000] [concurrency=32]
// Loopback only; ports 18100 (mock), 18301 and 18302 (nodes), 18400 (Redis). Needs /usr/bin/redis-server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { setTimeout } from 'node:timers';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const calls = Number(process.argv[2] ?? 4000);
const concurrency = Number(process.argv[3] ?? 32);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'meridian-shared-cache-'));
const adminKey = 'sk-bench-admin-key-for-loopback-only';
const children = [];

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
  children.push(child);
  return child;
}

function nodeConfig(port, name) {
  return [
    `server: { host: 127.0.0.1, port: ${port} }`,
    `storage: { url: 'sqlite:${join(work, name)}.db' }`,
    `data_dir: ${join(work, name)}`,
    `admin: { key: '${adminKey}' }`,
    'sandbox: { enabled: false }',
    'providers:',
    '  - { id: bench, name: Bench mock upstream, protocol: openai, base_url: http://127.0.0.1:18100/v1, keyless: true,',
    "      passthrough_models: true, passthrough_pricing: { prompt: '0.10', completion: '0.40' } }",
    "orgs: [{ id: default, credits: '1000000.00' }]",
    "aliases: { '*': bench/* }",
    'redis: { url: redis://127.0.0.1:18400 }',
    'cache: { enabled: true, max_entries: 100000, max_bytes: 268435456 }',
    `cluster: { node_id: ${name} }`,
  ].join('\n');
}

function startNode(port, name) {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, nodeConfig(port, name));
  const env = { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' };
  return start(process.execPath, [join(repo, 'dist/main.js'), 'serve', '--config', path], { env });
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function call(port, index, headers) {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `prompt ${index}: ${'lorem ipsum '.repeat(40)}` }],
    max_tokens: 64,
  });
  const all = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    authorization: `Bearer ${adminKey}`,
    ...headers,
  };
  return new Promise((done) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: all },
      (response) => {
        response.resume();
        response.on('end', () => done({ status: response.statusCode, cache: response.headers['x-meridian-cache'] }));
      },
    );
    outgoing.on('error', () => done({ status: 0, cache: undefined }));
    outgoing.end(body);
  });
}

/** Sends the prompts `offset … offset + calls - 1` to one node; counts statuses and cache answers. */
async function phase(port, offset, headers) {
  let next = 0;
  const counts = new Map();
  async function worker() {
    while (next < calls) {
      const index = offset + next;
      next += 1;
      const { status, cache } = await call(port, index, headers);
      const label = `${status} ${cache ?? '-'}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Object.fromEntries(counts);
}

async function waitUntilUp(port) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const ok = await new Promise((done) => {
      const probe = request({ host: '127.0.0.1', port, path: '/healthz' }, (response) => {
        response.resume();
        done(response.statusCode === 200);
      });
      probe.on('error', () => done(false));
      probe.end();
    });
    if (ok) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`port ${port} did not come up`);
}

try {
  start(process.execPath, [resolve(repo, '../shared/bench/mock-upstream.mjs'), '--port=18100']);
  const redis = start('/usr/bin/redis-server', [
    '--port',
    '18400',
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  const nodeA = startNode(18301, 'node-a');
  const nodeB = startNode(18302, 'node-b');
  await Promise.all([waitUntilUp(18301), waitUntilUp(18302)]);
  // Warm-up: both nodes' code paths, on prompts no phase uses.
  await phase(18301, 10_000_000, {});
  await phase(18301, 20_000_000, { 'x-meridian-cache': 'true' });
  await phase(18302, 20_000_000, { 'x-meridian-cache': 'true' });
  const asks = { 'x-meridian-cache': 'true' };
  const phases = [
    ['no cache', 18301, nodeA, 0, {}],
    ['miss', 18301, nodeA, calls, asks],
    ['shared hit', 18302, nodeB, calls, asks],
    ['memory hit', 18302, nodeB, calls, asks],
  ];
  console.log(`| phase | node | answers | node CPU µs per call | Redis CPU µs per call |`);
  console.log(`| --- | --- | --- | ---: | ---: |`);
  for (const [name, port, node, offset, headers] of phases) {
    const before = [cpuSeconds(node.pid), cpuSeconds(redis.pid)];
    const answers = await phase(port, offset, headers);
    const after = [cpuSeconds(node.pid), cpuSeconds(redis.pid)];
    const perCall = after.map((value, index) => Math.round(((value - before[index]) * 1e6) / calls));
    const label = port === 18301 ? 'A' : 'B';
    console.log(`| ${name} | ${label} | ${JSON.stringify(answers)} | ${perCall[0]} | ${perCall[1]} |`);
  }
} finally {
  agent.destroy();
  for (const child of children) child.kill('SIGTERM');
  await new Promise((done) => setTimeout(done, 500));
  rmSync(work, { recursive: true, force: true });
}
