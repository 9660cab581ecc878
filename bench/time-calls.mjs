// Shared by the one-call-at-a-time latency scripts (large-body.mjs, new-prompt.mjs): POSTs JSON bodies one after
// another and reports latency percentiles in milliseconds.
import { request } from 'node:http';

/** One POST of `body` (a string) to `url`; resolves with its latency in ms once the whole answer is read. */
export function postJson(url, authorization, body) {
  return new Promise((resolve, reject) => {
    const startedAt = process.hrtime.bigint();
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(authorization ? { authorization } : {}),
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

/**
 * Three warm-up calls (`bodyFor(-1)` … `bodyFor(-3)`), then `count` timed ones (`bodyFor(0)` …), one at a time:
 * their p50 and p90 in ms.
 */
export async function timeCalls({ url, authorization, count, bodyFor }) {
  for (let call = -1; call >= -3; call -= 1) await postJson(url, authorization, bodyFor(call));
  const latencies = [];
  for (let call = 0; call < count; call += 1) latencies.push(await postJson(url, authorization, bodyFor(call)));
  latencies.sort((left, right) => left - right);
  const at = (quantile) =>
    latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))].toFixed(2);
  return { p50_ms: at(0.5), p90_ms: at(0.9) };
}
