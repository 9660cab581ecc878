// PRODUCT.md §8: "10,000 concurrent open streams in one process under 1 GiB resident". Starts the harness's mock
// upstream (../shared/bench/mock-upstream.mjs) and a gateway from bench/gateway.yaml (both on 127.0.0.1), opens
// `streams` streaming calls through the gateway, each paced by the mock (`chunks` events, one every `intervalMs`), so
// they are all open together, samples the gateway's resident set every 250 ms, and checks every stream delivered all
// its events and [DONE]. Prints one JSON line.
//
//   npm run build && bench/open-streams.sh [streams=10000] [chunks=40] [intervalMs=1500]
//
// Each process needs a descriptor per socket (the gateway two per stream): bench/open-streams.sh raises `ulimit -n`.
import { Agent, request } from 'node:http';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { adminKey, gatewayUrl, readCpuSeconds, readStatusKiB, startMockAndGateway } from './bench-processes.mjs';

const streams = Number(process.argv[2] ?? 10_000);
const chunks = Number(process.argv[3] ?? 40);
const intervalMs = Number(process.argv[4] ?? 1_500);
/** Calls started per tick of the ramp, and the tick: 500 a second, which the harness's mock (listen backlog 511) keeps up with. */
const rampBatch = 50;
const rampTickMs = 100;
const sampleIntervalMs = 250;
/** Bounds the whole run: the ramp, every stream's events and a margin. */
const runTimeoutMs = 120_000 + Math.ceil(streams / rampBatch) * rampTickMs + chunks * intervalMs;

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

const timeout = setTimeout(() => {
  console.error(`open-streams: gave up after ${runTimeoutMs} ms`);
  process.exit(1);
}, runTimeoutMs);
const { gateway, stop } = await startMockAndGateway(chunks);
try {
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
  stop();
}
