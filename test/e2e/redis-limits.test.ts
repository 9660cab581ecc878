import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { findFreePort } from '../support/find-free-port.js';
import { testAdminKey } from '../support/gateway-config.js';
import { findRedisSkipReason, startRedis } from '../support/start-redis.js';
import type { RedisServer } from '../support/start-redis.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A gateway node with `storage.redis` (issue #6): per-key limits are counted in Redis; with Redis frozen
 * (SIGSTOP) calls keep flowing under local limits of limit ÷ nodes (2 nodes expected: 4 RPM → 2), readiness says
 * degraded (still 200) and the metrics count it; thawed, the node goes back to Redis.
 */

const skipReason = findRedisSkipReason();
let fake: FakeUpstream;
let redis: RedisServer;
let gateway: GatewayProcess;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  fake = await createFakeUpstream();
  redis = await startRedis();
  const configYaml = createCreditsConfig(fake.baseUrl, { acme: '5.00' }).replace(
    'storage: { url: "sqlite:{{dir}}/meridian.db" }',
    `storage: { url: "sqlite:{{dir}}/meridian.db", redis: "${redis.url}" }\ncluster: { node_id: node-a, nodes_expected: 2 }`,
  );
  gateway = await startGatewayProcess({ configYaml });
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await gateway.stop();
  gateway.cleanup();
  await redis.stop();
  await fake.close();
});

async function createKey(name: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, org_id: 'acme', requests_per_minute: 4 }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

async function call(key: string): Promise<Response> {
  fake.enqueue(completeScript('openai', { text: ['ok'], usage: { input: 3, cached: 0, output: 1, reasoning: 0 } }));
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  await response.text();
  return response;
}

/**
 * Waits for the next UTC minute when less than 10 s of this one remain: requests are counted per UTC minute, and six
 * calls that straddled two minutes would be counted in both (bounded: at most 10 s).
 */
async function awayFromMinuteEnd(): Promise<void> {
  const untilNextMinuteMs = 60_000 - (Date.now() % 60_000);
  if (untilNextMinuteMs < 10_000) await new Promise((resolve) => setTimeout(resolve, untilNextMinuteMs + 50));
}

async function readiness(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

async function scrape(): Promise<string> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
  return response.text();
}

describe.skipIf(skipReason !== undefined)('rate limits in Redis', () => {
  it('counts in Redis, degrades to limit ÷ nodes while Redis is frozen, and comes back', async () => {
    expect(await readiness()).toEqual({
      status: 200,
      body: { status: 'ready', checks: { storage: 'ok', draining: false, rate_limits: 'redis' } },
    });
    const key = await createKey('global');
    await awayFromMinuteEnd();
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) statuses.push((await call(key)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // The fake upstream was asked only for the admitted calls.
    expect(fake.received).toHaveLength(4);

    redis.freeze();
    const frozenKey = await createKey('frozen');
    await awayFromMinuteEnd();
    const frozen: Response[] = [];
    for (let index = 0; index < 6; index += 1) frozen.push(await call(frozenKey));
    // 4 RPM over 2 expected nodes: 2 per node while Redis cannot count.
    expect(frozen.map((response) => response.status)).toEqual([200, 200, 429, 429, 429, 429]);
    expect(frozen[0]!.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(await readiness()).toEqual({
      status: 200,
      body: { status: 'degraded', checks: { storage: 'ok', draining: false, rate_limits: 'degraded' } },
    });
    const page = await scrape();
    expect(page).toContain('meridian_degraded{component="redis"} 1\n');
    expect(page).toContain('meridian_rate_limit_degraded_decisions_total 6\n');

    redis.thaw();
    // After the breaker's cool-down (5 s) an admission probes Redis and closes it; bounded polling.
    const probeKey = await createKey('probe');
    let mode: unknown;
    for (let attempt = 0; attempt < 40 && mode !== 'redis'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await call(probeKey);
      mode = ((await readiness()).body as { checks: { rate_limits: string } }).checks.rate_limits;
    }
    expect(mode).toBe('redis');
    expect(await scrape()).toContain('meridian_degraded{component="redis"} 0\n');
  });
});

// Needs no Redis: it is the case of one that cannot be reached.
describe('a node started while its Redis cannot be reached', () => {
  it('is degraded from its first answer (readiness and the gauge), not after heartbeats fail', async () => {
    const upstream = await createFakeUpstream();
    const nowhere = `redis://127.0.0.1:${await findFreePort()}`;
    const configYaml = createCreditsConfig(upstream.baseUrl, { acme: '5.00' }).replace(
      'storage: { url: "sqlite:{{dir}}/meridian.db" }',
      `storage: { url: "sqlite:{{dir}}/meridian.db", redis: "${nowhere}" }\ncluster: { node_id: node-b }`,
    );
    const node = await startGatewayProcess({ configYaml });
    try {
      const response = await fetch(`${node.url}/readyz`);
      expect([response.status, await response.json()]).toEqual([
        200,
        { status: 'degraded', checks: { storage: 'ok', draining: false, rate_limits: 'degraded' } },
      ]);
      const page = await (
        await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
      ).text();
      expect(page).toContain('meridian_degraded{component="redis"} 1');
    } finally {
      await node.stop();
      node.cleanup();
      await upstream.close();
    }
  });
});
