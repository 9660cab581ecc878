// What an agent's long context costs the gateway per call, and what many of them at once cost: each conversation is
// a system prompt of 4 KB and 40 turns of code and prose (ASCII with some Chinese and accented words), about 200 KB
// of JSON resent whole on every call, as agents do. The calls cycle through `conversations` of them, `concurrency`
// at a time, after one warm-up pass over every conversation; prints the gateway's CPU time (user + system, from
// /proc) per call. With more conversations than the token memo holds, every call would be tokenized again.
// Usage: npm run build && node bench/agent-contexts.mjs [conversations=40] [calls=1000] [concurrency=8] [kb=200]
// Loopback only; ports 18100 (mock) and 18300 (gateway), bench/gateway.yaml.
import { Agent, request } from 'node:http';
import { URL } from 'node:url';
import { adminKey, gatewayUrl, readCpuSeconds, startMockAndGateway } from './bench-processes.mjs';

const conversations = Number(process.argv[2] ?? 40);
const calls = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? 8);
const kilobytes = Number(process.argv[5] ?? 200);
const turns = 40;
const systemChars = 4_000;
const words = [
  'the',
  'agent',
  'read',
  'src/app.ts',
  'and',
  'found',
  'const',
  'value',
  '=',
  '42;',
  'return',
  '函数',
  'naïve',
];

/** About `length` characters of words, different for each seed. */
function prose(length, seed) {
  const parts = [];
  for (let index = 0, size = 0; size < length; index += 1) {
    const word = words[(index * 7_919 + seed) % words.length];
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ');
}

function conversationBody(conversation) {
  const turnChars = Math.floor((kilobytes * 1_000 - systemChars) / turns);
  const messages = [{ role: 'system', content: prose(systemChars, 1) }];
  for (let turn = 0; turn < turns; turn += 1) {
    const content = `conversation ${conversation} turn ${turn}: ${prose(turnChars, turn + 2 + conversation * 41)}`;
    messages.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content });
  }
  return JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 64 });
}

const bodies = Array.from({ length: conversations }, (_, conversation) => conversationBody(conversation));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL('/v1/chat/completions', gatewayUrl);

function call(body) {
  return new Promise((resolve, reject) => {
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${adminKey}`,
    };
    const outgoing = request(target, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`${response.statusCode}`))));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function run(count) {
  let started = 0;
  async function worker() {
    while (started < count) {
      const body = bodies[started % bodies.length];
      started += 1;
      await call(body);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const { gateway, stop } = await startMockAndGateway(1);
try {
  await run(Math.max(conversations, concurrency));
  const before = readCpuSeconds(gateway.child.pid);
  const startedAt = Date.now();
  await run(calls);
  const cpuSeconds = readCpuSeconds(gateway.child.pid) - before;
  console.log(
    JSON.stringify({
      conversations,
      calls,
      concurrency,
      bodyBytes: Buffer.byteLength(bodies[0]),
      cpuMicrosecondsPerCall: Math.round((cpuSeconds * 1e6) / calls),
      callsPerSecond: Math.round((calls * 1000) / (Date.now() - startedAt)),
    }),
  );
} finally {
  agent.destroy();
  stop();
}
