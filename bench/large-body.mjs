// PRODUCT.md §8: "a 1 MB (≈200K-token) request body adds ≤ 20 ms". Sends the same ~1 MB chat request (an agent's
// long context: code and prose) N times to a URL and prints latency percentiles, so the gateway can be compared
// with a direct call to the harness's mock upstream:
//   node bench/large-body.mjs http://127.0.0.1:18100/v1/chat/completions            # direct
//   node bench/large-body.mjs http://127.0.0.1:18300/v1/chat/completions 'Bearer …'  # through Meridian
import { request } from 'node:http';

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

function send() {
  return new Promise((resolve, reject) => {
    const startedAt = process.hrtime.bigint();
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(authorization === undefined ? {} : { authorization }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - startedAt) / 1e6);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const latencies = [];
for (let index = 0; index < 3; index += 1) await send(); // warm up
for (let index = 0; index < Number(count); index += 1) latencies.push(await send());
latencies.sort((left, right) => left - right);
const at = (quantile) => latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))].toFixed(2);
console.log(JSON.stringify({ url, bodyBytes: Buffer.byteLength(body), p50_ms: at(0.5), p90_ms: at(0.9) }));
