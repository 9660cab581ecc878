// PRODUCT.md §8: "a 1 MB (≈200K-token) request body adds ≤ 20 ms". Sends the same ~1 MB chat request (an agent's
// long context: code and prose) N times to a URL and prints latency percentiles, so the gateway can be compared
// with a direct call to the harness's mock upstream:
//   node bench/large-body.mjs http://127.0.0.1:18100/v1/chat/completions            # direct
//   node bench/large-body.mjs http://127.0.0.1:18300/v1/chat/completions 'Bearer …'  # through Meridian
import { timeCalls } from './time-calls.mjs';

const [url, authorization, count = '30'] = process.argv.slice(2);
const words = ['the', 'agent', 'read', 'src/app.ts', 'and', 'found', 'const', 'value', '=', '42;', 'return', 'result'];
const parts = [];
for (let index = 0, length = 0; length < 1_000_000; index += 1) {
  const word = words[(index * 7_919) % words.length];
  parts.push(word);
  length += word.length + 1;
}
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: parts.join(' ') }],
  max_tokens: 16,
});

const latency = await timeCalls({ url, authorization, count: Number(count), bodyFor: () => body });
console.log(JSON.stringify({ url, bodyBytes: Buffer.byteLength(body), ...latency }));
