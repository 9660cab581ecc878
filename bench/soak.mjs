// RELIABILITY.md's soak: "memory flat over time". Starts the harness's mock upstream and a gateway from
// bench/gateway.yaml (both on 127.0.0.1), creates `keys` API keys, then sends `requests` calls, 32 at a time: every
// call a new conversation and end user, one of `apps` apps (X-Title, HTTP-Referer), one of the keys, every other one
// streamed (20 chunks). Samples the gateway's resident set every 5 s, stops it, runs `meridian ledger verify` on what
// it stored, and prints one JSON line: the samples, the median resident set of the first and last quarter of the run,
// and whether the ledger verified. Every call must answer 200.
//
//   npm run build && node bench/soak.mjs [requests=150000] [keys=500] [apps=5000]
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { adminKey, benchDirectory, gatewayUrl, readStatusKiB, startMockAndGateway } from './bench-processes.mjs';

const requests = Number(process.argv[2] ?? 150_000);
const keyCount = Number(process.argv[3] ?? 500);
const appCount = Number(process.argv[4] ?? 5_000);
const concurrency = 32;
const sampleIntervalMs = 5_000;
/** Bounds the whole run: generous for this machine's ~1 000 calls a second. */
const runTimeoutMs = 60_000 + requests * 5;

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

/** One call; resolves with its status and body. */
function call(path, key, body, headers = {}) {
  return new Promise((resolve) => {
    const outgoing = request(
      `${gatewayUrl}${path}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      },
      (response) => {
        const parts = [];
        response.on('data', (chunk) => parts.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(parts).toString() }));
        response.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    outgoing.on('error', (error) => resolve({ status: 0, body: String(error) }));
    outgoing.end(JSON.stringify(body));
  });
}

async function createKeys() {
  const keys = [];
  for (let index = 0; index < keyCount; index += 1) {
    const created = await call('/api/v1/keys', adminKey, { name: `soak-${index}` });
    if (created.status !== 201) throw new Error(`key ${index}: ${created.status} ${created.body}`);
    keys.push(JSON.parse(created.body).key);
  }
  return keys;
}

function callBody(index) {
  const isStream = index % 2 === 0;
  return {
    model: `gpt-4o-mini@chunks=${isStream ? 20 : 1}`,
    stream: isStream,
    user: `user-${index}`,
    messages: [
      { role: 'system', content: `You are agent ${index}.` },
      { role: 'user', content: `Task ${index}: ${'lorem ipsum '.repeat(20)}` },
    ],
  };
}

const median = (values) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] ?? 0;

const timeout = setTimeout(() => {
  console.error(`soak: gave up after ${runTimeoutMs} ms`);
  process.exit(1);
}, runTimeoutMs);
const { gateway, stop } = await startMockAndGateway(20);
try {
  const pid = gateway.child.pid;
  const keys = await createKeys();
  const state = { sent: 0, done: 0, failed: [], samples: [] };
  const sample = () => state.samples.push([state.done, Number((readStatusKiB(pid, 'VmRSS') / 1024).toFixed(1))]);
  sample();
  const sampler = setInterval(sample, sampleIntervalMs);
  const worker = async () => {
    while (state.sent < requests) {
      const index = state.sent;
      state.sent += 1;
      const app = index % appCount;
      const answer = await call('/v1/chat/completions', keys[index % keys.length], callBody(index), {
        'x-title': `app-${app}`,
        'http-referer': `https://app${app}.example`,
      });
      if (answer.status !== 200 && state.failed.length < 5) state.failed.push(`${answer.status} ${answer.body}`);
      state.done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);
  sample();
  const hwmMiB = Number((readStatusKiB(pid, 'VmHWM') / 1024).toFixed(1));
  await new Promise((resolve) => {
    gateway.child.once('exit', resolve);
    gateway.child.kill('SIGTERM');
  });
  const verify = execFileSync(process.execPath, ['../dist/main.js', 'ledger', 'verify', '--config', 'gateway.yaml'], {
    cwd: benchDirectory,
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' },
  }).toString();
  const quarter = Math.max(1, Math.floor(state.samples.length / 4));
  console.log(
    JSON.stringify({
      requests,
      keys: keyCount,
      apps: appCount,
      failed: state.failed.length,
      firstFailures: state.failed,
      firstQuarterRssMiB: median(state.samples.slice(1, quarter + 1).map(([, rss]) => rss)),
      lastQuarterRssMiB: median(state.samples.slice(-quarter).map(([, rss]) => rss)),
      hwmMiB,
      ledgerVerified: verify.includes('INV-8') && !verify.includes('✗'),
      samples: state.samples,
    }),
  );
  process.exitCode = state.failed.length === 0 && !verify.includes('✗') ? 0 : 1;
} finally {
  clearTimeout(timeout);
  stop();
}
