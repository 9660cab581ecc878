import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { readCredits } from '../support/cluster-calls.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { findRedisSkipReason, startRedis } from '../support/start-redis.js';
import type { RedisServer } from '../support/start-redis.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A client that leaves while its call is still being admitted (here: its rate limit waits on a frozen Redis until the
 * command times out; in cluster mode the admission is a PostgreSQL round trip, long under load). The call went on to
 * its provider with the response already closed: its frames could not be written, the upstream body was paused for
 * backpressure that never drained, and the call hung until shutdown, its hold renewed all along and its settlement
 * refused by the closing journal. Now the call ends as soon as it finds its client gone, before any attempt: nothing
 * is sent upstream and its hold is given back.
 */

const skipReason = findRedisSkipReason();
let fake: FakeUpstream;
let redis: RedisServer;
let gateway: GatewayProcess;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  fake = await createFakeUpstream();
  redis = await startRedis();
  const configYaml = createCreditsConfig(fake.baseUrl, { acme: '1.00' }).replace(
    'storage: { url: "sqlite:{{dir}}/meridian.db" }',
    `storage: { url: "sqlite:{{dir}}/meridian.db" }\nredis: { url: "${redis.url}", command_timeout_ms: 1500 }\ncluster: { node_id: node-a, nodes_expected: 1 }`,
  );
  gateway = await startGatewayProcess({ configYaml, env: { MERIDIAN_LOG_LEVEL: 'info' } });
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await gateway.stop();
  gateway.cleanup();
  await redis.stop();
  await fake.close();
});

describe.skipIf(skipReason !== undefined)('a client that leaves while its call is admitted', () => {
  it('ends the call before any attempt: no upstream request, no hold left, a prompt request log line', async () => {
    const created = await fetch(`${gateway.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'gone', org_id: 'acme', requests_per_minute: 100 }),
    });
    const key = ((await created.json()) as { key: string }).key;
    const script = streamScript('openai', {
      text: ['a', 'b', 'c'],
      usage: { input: 3, cached: 0, output: 3, reasoning: 0 },
    });
    fake.enqueue(script);
    redis.freeze();
    const abort = new AbortController();
    const call = callMeteredModel(gateway.url, key, { stream: true }, abort.signal).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    expect(await call).toBeInstanceOf(Error);
    redis.thaw();
    // The rate limit's command times out (1.5 s), the call decides locally, then finds its client gone and ends
    // (its request log line is written once the call has ended).
    let logged = false;
    for (let attempt = 0; attempt < 40 && !logged; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      logged = gateway.output.join('').includes('"path":"/v1/chat/completions"');
    }
    expect(logged).toBe(true);
    expect(fake.received).toHaveLength(0);
    expect(await readCredits(gateway.url, key)).toMatchObject({ held_nanos: '0', total_usage_nanos: '0' });
  }, 60_000);
});
