// PRODUCT.md §8: "10,000 concurrent open streams in one process under 1 GiB resident". Starts the harness's mock
// upstream (../shared/bench/mock-upstream.mjs) and a gateway from bench/gateway.yaml (both on 127.0.0.1), opens
// `streams` streaming calls through the gateway, each paced by the mock (`chunks` events, one every `intervalMs`), so
// they are all open together, samples the gateway's resident set every 250 ms, and checks every stream delivered all
// its events and [DONE]. Prints one JSON line.
//
//   npm run build && bench/open-streams.sh [streams=10000] [chunks=40] [intervalMs=1500]
//
// Each process needs a descriptor per socket (the gateway two per stream): bench/open-streams.sh raises `ulimit -n`.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';

const streams = Number(process.argv[2] ?? 10_000);
const chunks = Number(process.argv[3] ?? 40);
const intervalMs = Number(process.argv[4] ?? 1_500);
/** Calls started per tick of the ramp, and the tick: 500 a second, which the harness's mock (listen backlog 511) keeps up with. */
const rampBatch = 50;
const rampTickMs = 100;
const sampleIntervalMs = 250;
/** Bounds the whole run: the ramp, every stream's events and a margin. */
const runTimeoutMs = 120_000 + Math.ceil(streams / rampBatch) * rampTickMs + chunks * intervalMs;
const mockPort = 18100;
const gatewayUrl = 'http://127.0.0.1:18300';
const adminKey = 'sk-bench-admin-key-for-loopback-only';
const benchDirectory = fileURLToPath(new URL('.', import.meta.url));
const mockPath = fileURLToPath(new URL('../../shared/bench/mock-upstream.mjs', import.meta.url));

function start(command, args, options) {
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

async function waitFor(url, headers, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(url, headers)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function readStatusKiB(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

function readCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One streaming call; resolves with the content events it received and whether [DONE] closed it. */
function openStream(agent, state) {
  return new Promise((resolve) => {
    const body = JSON.stringify({
      model: `gpt-4o-mini@chunks=${chunks},interval=${intervalMs}`,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: chunks + 10,
      stream: true,
    });
    const call = request(
      `${gatewayUrl}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      },
      (response) => {
        let tail = '';
        let events = 0;
        let isDone = false;
        let isOpen = false;
        response.setEncoding('utf8');
        response.on('data', (text) => {
          const joined = tail + text;
          const frames = joined.split('\n\n');
          tail = frames.pop() ?? '';
          for (const frame of frames) {
            if (frame === 'data: [DONE]') isDone = true;
            else if (frame.includes('"content":"') && !frame.includes('"content":""')) events += 1;
          }
          if (!isOpen && events > 0) {
            isOpen = true;
            state.open += 1;
            state.peakOpen = Math.max(state.peakOpen, state.open);
          }
        });
        response.on('end', () => {
          if (isOpen) state.open -= 1;
          const result = { status: response.statusCode, events, done: isDone && tail === '' };
          resolve(response.statusCode === 200 ? result : { ...result, body: tail.slice(0, 300) });
        });
        response.on('error', () => resolve({ status: response.statusCode, events, done: false }));
      },
    );
    call.on('error', (error) => resolve({ status: 0, events: 0, done: false, error: String(error) }));
    call.end(body);
  });
}

const mock = start(process.execPath, [mockPath, `--port=${mockPort}`, `--chunks=${chunks}`]);
rmSync(new URL('results/gateway-data/', import.meta.url), { recursive: true, force: true });
const gateway = start(process.execPath, ['../dist/main.js', 'serve', '--config', 'gateway.yaml'], {
  cwd: benchDirectory,
  env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' },
});
const timeout = setTimeout(() => {
  console.error(`open-streams: gave up after ${runTimeoutMs} ms`);
  process.exit(1);
}, runTimeoutMs);
try {
  await waitFor(`http://127.0.0.1:${mockPort}/`, {}, 10_000);
  await waitFor(`${gatewayUrl}/v1/models`, { authorization: `Bearer ${adminKey}` }, 30_000);
  const pid = gateway.child.pid;
  const idleRssMiB = readStatusKiB(pid, 'VmRSS') / 1024;
  const cpuBefore = readCpuSeconds(pid);
  const state = { open: 0, peakOpen: 0, peakRssKiB: 0, rssAtPeakOpenKiB: 0 };
  const sampler = setInterval(() => {
    const rss = readStatusKiB(pid, 'VmRSS');
    state.peakRssKiB = Math.max(state.peakRssKiB, rss);
    if (state.open >= state.peakOpen) state.rssAtPeakOpenKiB = Math.max(state.rssAtPeakOpenKiB, rss);
  }, sampleIntervalMs);
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const calls = [];
  for (let started = 0; started < streams; started += rampBatch) {
    for (let index = started; index < Math.min(streams, started + rampBatch); index += 1) {
      calls.push(openStream(agent, state));
    }
    await new Promise((resolve) => setTimeout(resolve, rampTickMs));
  }
  const results = await Promise.all(calls);
  clearInterval(sampler);
  const complete = results.filter((result) => result.status === 200 && result.done && result.events === chunks);
  const failures = results.filter((result) => !complete.includes(result));
  console.log(
    JSON.stringify({
      streams,
      chunks,
      intervalMs,
      complete: complete.length,
      failed: failures.length,
      firstFailure: failures[0],
      peakOpen: state.peakOpen,
      idleRssMiB: Number(idleRssMiB.toFixed(1)),
      rssAtPeakOpenMiB: Number((state.rssAtPeakOpenKiB / 1024).toFixed(1)),
      peakRssMiB: Number((state.peakRssKiB / 1024).toFixed(1)),
      hwmMiB: Number((readStatusKiB(pid, 'VmHWM') / 1024).toFixed(1)),
      gatewayCpuSeconds: Number((readCpuSeconds(pid) - cpuBefore).toFixed(1)),
    }),
  );
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  clearTimeout(timeout);
  gateway.child.kill('SIGTERM');
  mock.child.kill('SIGTERM');
}
