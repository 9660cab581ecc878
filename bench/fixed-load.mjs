// Sends exactly `count` chat calls to a loopback gateway, `concurrency` at a time, with the body of
// ../shared/bench/wrk-chat.lua (a 512-byte prompt, max_tokens 64): a fixed amount of work, where wrk runs for a fixed
// time. Used by bench/instructions.sh, whose instruction counts are per call.
// Usage: node bench/fixed-load.mjs <url> <count> <concurrency> <json|stream> [authorization]
// FIXED_LOAD_HEADERS: extra request headers, one "Name: value" per line (e.g. "x-meridian-cache: true").
import { Agent, request } from 'node:http';
import { URL } from 'node:url';

const [url, countText, concurrencyText, mode = 'json', authorization] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const target = new URL(url ?? '');
if (!['127.0.0.1', 'localhost'].includes(target.hostname)) throw new Error('loopback targets only');
if (!(count > 0 && concurrency > 0)) throw new Error('usage: fixed-load.mjs <url> <count> <concurrency> [json|stream]');

const prompt = 'lorem ipsum '.repeat(42);
const body = JSON.stringify({
  model: process.env['FIXED_LOAD_MODEL'] ?? 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a load-test assistant.' },
    { role: 'user', content: prompt },
  ],
  max_tokens: 64,
  temperature: 0,
  ...(mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
});
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const headers = {
  'content-type': 'application/json',
  'content-length': Buffer.byteLength(body),
  ...(authorization ? { authorization } : {}),
  ...readExtraHeaders(process.env['FIXED_LOAD_HEADERS'] ?? ''),
};

function readExtraHeaders(text) {
  const extra = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([^:]+):\s*(.*?)\s*$/.exec(line);
    if (match) extra[match[1].toLowerCase()] = match[2];
  }
  return extra;
}

let started = 0;
let failed = 0;

function callOnce() {
  return new Promise((resolve) => {
    const outgoing = request(target, { method: 'POST', agent, headers }, (response) => {
      if (response.statusCode !== 200) failed += 1;
      response.resume();
      response.on('end', resolve);
    });
    outgoing.on('error', () => ((failed += 1), resolve()));
    outgoing.end(body);
  });
}

async function worker() {
  while (started < count) {
    started += 1;
    await callOnce();
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
console.log(JSON.stringify({ count, concurrency, mode, failed }));
if (failed > 0) process.exitCode = 1;
