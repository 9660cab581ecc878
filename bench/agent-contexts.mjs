// What an agent's long context costs the gateway per call, and what many of them at once cost: each conversation is
// a system prompt of 4 KB and 40 turns of code and prose (ASCII with some Chinese and accented words), about 200 KB
// of JSON resent whole on every call, as agents do. The calls cycle through `conversations` of them, `concurrency`
// at a time, after one warm-up pass over every conversation; prints the gateway's CPU time (user + system, from
// /proc) per call. With more conversations than the token memo holds, every call would be tokenized again.
// `shape` is how the client writes them: `openai` (string contents), `openai-parts` (user turns as text parts) or
// `anthropic` (`/v1/messages`: the system prompt and user turns as text blocks); the mock upstream speaks OpenAI.
// Usage: npm run build && node bench/agent-contexts.mjs [conversations=40] [calls=1000] [concurrency=8] [kb=200]
//        [shape=openai]
// Loopback only; ports 18100 (mock) and 18300 (gateway), bench/gateway.yaml.
import { Agent, request } from 'node:http';
import { URL } from 'node:url';
import { adminKey, gatewayUrl, readCpuSplit, readMinorFaults, startMockAndGateway } from './bench-processes.mjs';

const conversations = Number(process.argv[2] ?? 40);
const calls = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? 8);
const kilobytes = Number(process.argv[5] ?? 200);
const shape = process.argv[6] ?? 'openai';
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
  const system = prose(systemChars, 1);
  const messages = [];
  for (let turn = 0; turn < turns; turn += 1) {
    const text = `conversation ${conversation} turn ${turn}: ${prose(turnChars, turn + 2 + conversation * 41)}`;
    const isUser = turn % 2 === 0;
    const content = isUser && shape !== 'openai' ? [{ type: 'text', text }] : text;
    messages.push({ role: isUser ? 'user' : 'assistant', content });
  }
  if (shape === 'anthropic')
    return JSON.stringify({ model: 'gpt-4o-mini', system: [{ type: 'text', text: system }], messages, max_tokens: 64 });
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'system', content: system }, ...messages],
    max_tokens: 64,
  });
}

const bodies = Array.from({ length: conversations }, (_, conversation) => conversationBody(conversation));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(shape === 'anthropic' ? '/v1/messages' : '/v1/chat/completions', gatewayUrl);

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
  const pid = gateway.child.pid;
  const before = { ...readCpuSplit(pid), faults: readMinorFaults(pid) };
  const startedAt = Date.now();
  await run(calls);
  const after = { ...readCpuSplit(pid), faults: readMinorFaults(pid) };
  const cpuSeconds = after.user + after.system - before.user - before.system;
  console.log(
    JSON.stringify({
      shape,
      conversations,
      calls,
      concurrency,
      bodyBytes: Buffer.byteLength(bodies[0]),
      cpuMicrosecondsPerCall: Math.round((cpuSeconds * 1e6) / calls),
      systemMicrosecondsPerCall: Math.round(((after.system - before.system) * 1e6) / calls),
      minorFaultsPerCall: Math.round((after.faults - before.faults) / calls),
      callsPerSecond: Math.round((calls * 1000) / (Date.now() - startedAt)),
    }),
  );
} finally {
  agent.destroy();
  stop();
}
