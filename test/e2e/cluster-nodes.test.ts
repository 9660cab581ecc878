import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNanos } from '../../src/metering/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { clusterPepper, createClusterConfig } from '../support/cluster-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import {
  awaitJournalsDrained,
  callMetered,
  createKey as createOrgKey,
  readCredits,
  verifyClusterLedger,
} from '../support/cluster-calls.js';
import { createTestDatabase, findPostgresSkipReason } from '../support/start-postgres.js';
import type { TestDatabase } from '../support/start-postgres.js';
import { readSseData } from '../support/read-sse.js';
import { findRedisSkipReason, startRedis } from '../support/start-redis.js';
import type { RedisServer } from '../support/start-redis.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Cluster mode end to end (issue #6): three gateway processes over one PostgreSQL database and one Redis, one fake
 * upstream. One small balance shared by 1 000 concurrent calls spread over the nodes is never overspent; a key's
 * 60 requests per minute admit exactly 60 across the nodes; a node killed with SIGKILL mid-stream leaves a hold the
 * other nodes' reconcilers give back, and the ledger verifies.
 */

const skipReason = (await findPostgresSkipReason()) ?? findRedisSkipReason();
const nodeIds = ['node-a', 'node-b', 'node-c'] as const;
/** Usage every call reports: 3 prompt tokens at 1 000 nano-USD, 1 completion token at 2 000 → 5 000 nano-USD. */
const usage = { input: 3, cached: 0, output: 1, reasoning: 0 };
const callCostNanos = 5_000n;
const smallBalance = '0.0005';

let fake: FakeUpstream;
let database: TestDatabase;
let redis: RedisServer;
const nodes: GatewayProcess[] = [];

beforeAll(async () => {
  if (skipReason !== undefined) return;
  fake = await createFakeUpstream();
  database = await createTestDatabase();
  redis = await startRedis();
  // Started together: the migrations run once, under PostgreSQL's advisory lock; bootstrap is idempotent.
  const started = await Promise.all(
    nodeIds.map((nodeId) =>
      startGatewayProcess({
        configYaml: createClusterConfig({
          fakeBaseUrl: fake.baseUrl,
          postgresUrl: database.url,
          redisUrl: redis.url,
          nodeId,
          nodesExpected: nodeIds.length,
          orgs: { acme: smallBalance, big: '100.00', crash: '1.00', cached: '1.00', shared: '1.00' },
        }).concat('cache: { enabled: true }\n'),
        env: { MERIDIAN_KEY_PEPPER: clusterPepper },
      }),
    ),
  );
  nodes.push(...started);
}, 60_000);

afterAll(async () => {
  if (skipReason !== undefined) return;
  for (const node of nodes) await node.stop();
  for (const node of nodes) node.cleanup();
  await redis.stop();
  await fake.close();
  await database.drop();
});

const createKey = (orgId: string, fields: Record<string, unknown> = {}): Promise<string> =>
  createOrgKey(nodes[0]!.url, orgId, fields);
const call = callMetered;
const verifyLedger = (): Promise<string> => verifyClusterLedger(nodes[0]!);

async function readMetrics(nodeUrl: string): Promise<string> {
  return (await fetch(`${nodeUrl}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })).text();
}

/** Waits until at least `secondsLeft` remain in the current UTC minute (a per-minute limit must not roll over mid-test). */
async function awaitMinuteRoom(secondsLeft: number): Promise<void> {
  const remainingMs = 60_000 - (Date.now() % 60_000);
  if (remainingMs < secondsLeft * 1000) await new Promise((resolve) => setTimeout(resolve, remainingMs + 50));
}

describe.skipIf(skipReason !== undefined)('three nodes over one PostgreSQL and one Redis', () => {
  it('1 000 concurrent calls across the nodes never overspend one small balance; every charge is recorded', async () => {
    fake.reset();
    for (let index = 0; index < 1_000; index += 1) fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    const key = await createKey('acme');
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, index) => call(nodes[index % nodes.length]!.url, key)),
    );
    const served = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 402);
    expect(served.length + refused.length).toBe(1_000);
    expect(served.length).toBeGreaterThan(0);
    // 0.0005 USD pays for at most 100 calls of 5 000 nano-USD.
    expect(served.length).toBeLessThanOrEqual(100);
    expect(fake.received).toHaveLength(served.length);
    await awaitJournalsDrained(nodes);
    const credits = await readCredits(nodes[1]!.url, key);
    const charged = BigInt(served.length) * callCostNanos;
    expect(credits).toEqual({
      total_credits: 0.0005,
      total_credits_nanos: '500000',
      total_usage: renderNanos(charged),
      total_usage_nanos: String(charged),
      held: 0,
      held_nanos: '0',
      available: renderNanos(500_000n - charged),
      available_nanos: String(500_000n - charged),
      org_id: 'acme',
    });
    // Every served call's record is in the shared store, readable from any node, with its exact charge.
    for (const [index, result] of served.entries()) {
      const node = nodes[index % nodes.length]!;
      const response = await fetch(`${node.url}/api/v1/generation?id=${result.id}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { total_cost: number } }).data.total_cost).toBe(
        renderNanos(callCostNanos),
      );
    }
    const report = await verifyLedger();
    expect(report).toContain('INV-8');
    expect(report).not.toContain('✗');
  }, 120_000);

  it("a node's response cache: a hit goes through its journal into PostgreSQL, charged 0, and the ledger verifies", async () => {
    fake.reset();
    fake.enqueue(completeScript('openai', { text: ['once'], usage }));
    const key = await createKey('cached');
    const send = () =>
      fetch(`${nodes[0]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-meridian-cache': 'true' },
        body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'cache me' }] }),
      });
    const [first, second] = [await send(), await send()];
    expect([first.headers.get('x-meridian-cache'), second.headers.get('x-meridian-cache')]).toEqual(['miss', 'hit']);
    expect(fake.received).toHaveLength(1);
    const hitId = ((await second.json()) as { id: string }).id;
    await awaitJournalsDrained(nodes);
    const generation = await fetch(`${nodes[2]!.url}/api/v1/generation?id=${hitId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await generation.json()) as { data: Record<string, unknown> }).data).toMatchObject({
      ending: 'cache',
      cost_nanos: '0',
      upstream_cost_nanos: '0',
    });
    expect(await readCredits(nodes[1]!.url, key)).toMatchObject({ total_usage: renderNanos(callCostNanos), held: 0 });
    const report = await verifyLedger();
    expect(report).toContain('INV-4');
    expect(report).not.toContain('✗');
  });

  it('the response cache is shared through Redis: a node answers from what another node stored, byte for byte', async () => {
    fake.reset();
    fake.enqueue(completeScript('openai', { text: ['shared'], usage }));
    const toolCalls = [{ id: 'call_1', name: 'lookup', argumentPieces: ['{"q":', '"caf\u00e9"}'] }];
    fake.enqueue(streamScript('openai', { text: ['Looking ', 'it up'], toolCalls, usage }));
    const key = await createKey('shared');
    const send = (node: GatewayProcess, stream: boolean) =>
      fetch(`${node.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-meridian-cache': 'true' },
        body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'share me' }], stream }),
      });
    const jsonCalls = [await send(nodes[0]!, false), await send(nodes[1]!, false), await send(nodes[0]!, false)];
    // A stream's answer is kept when it ends: each is read to its end before the next call.
    const streamCalls: Response[] = [];
    const frames: string[][] = [];
    for (const node of [nodes[1]!, nodes[2]!, nodes[1]!]) {
      streamCalls.push(await send(node, true));
      frames.push(await readSseData(streamCalls.at(-1)!));
    }
    const calls = [...jsonCalls, ...streamCalls];
    expect(calls.map((response) => response.headers.get('x-meridian-cache'))).toEqual([
      'miss',
      'hit',
      'hit',
      'miss',
      'hit',
      'hit',
    ]);
    expect(fake.received).toHaveLength(2);
    // Each answer has its own generation id; otherwise a hit from Redis is the same answer as a hit from memory.
    type Completion = { id: string; created: number; usage: { cost: number; cost_details: object } };
    const jsonBodies = await Promise.all(jsonCalls.map(async (response) => (await response.json()) as Completion));
    const ids = jsonBodies.map((body) => body.id);
    expect(new Set(ids).size).toBe(3);
    const [live, ...hits] = jsonBodies.map(({ id: _id, created: _created, ...rest }) => rest);
    expect(live!.usage.cost).toBe(Number(renderNanos(callCostNanos)));
    const free = { cost: 0, cost_details: { upstream_inference_cost: 0 } };
    for (const hit of hits) expect(hit).toEqual({ ...live, usage: { ...live!.usage, ...free } });
    // The frames of the live stream and of both hits, with each answer's id and creation time written out.
    const normalised = frames.map((data) => {
      const { id } = JSON.parse(data[0]!) as { id: string };
      return data.map((frame) => frame.replaceAll(id, 'ID').replace(/"created":\d+/, '"created":0'));
    });
    expect(normalised[1]).toEqual(normalised[0]);
    expect(normalised[2]).toEqual(normalised[0]);
    expect(normalised[1]!.join('\n')).toContain('"arguments":"\\"café\\"}"');
    expect(normalised[1]!.at(-1)).toBe('[DONE]');
    await awaitJournalsDrained(nodes);
    const hit = await fetch(`${nodes[2]!.url}/api/v1/generation?id=${ids[1]}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await hit.json()) as { data: Record<string, unknown> }).data).toMatchObject({
      ending: 'cache',
      cost_nanos: '0',
      upstream_cost_nanos: '0',
    });
    // Two calls reached the upstream and were charged; four hits were free.
    expect(await readCredits(nodes[0]!.url, key)).toMatchObject({
      total_usage: renderNanos(2n * callCostNanos),
      held: 0,
    });
    expect(await verifyLedger()).not.toContain('✗');
  });

  it('a 60-requests-per-minute key admits exactly 60 calls across the three nodes, not 180', async () => {
    fake.reset();
    for (let index = 0; index < 60; index += 1) fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    const key = await createKey('big', { requests_per_minute: 60 });
    await awaitMinuteRoom(20);
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, index) => call(nodes[index % nodes.length]!.url, key)),
    );
    expect(results.filter((result) => result.status === 200)).toHaveLength(60);
    expect(results.filter((result) => result.status === 429)).toHaveLength(90);
    expect(fake.received).toHaveLength(60);
  }, 60_000);

  it('with Redis frozen, then stopped, calls keep flowing under degraded limits: 60 per minute → 20 per node', async () => {
    const burst = async (): Promise<number[]> => {
      fake.reset();
      for (let index = 0; index < 60; index += 1) fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
      const key = await createKey('big', { requests_per_minute: 60 });
      await awaitMinuteRoom(20);
      const results = await Promise.all(
        Array.from({ length: 150 }, (_, index) => call(nodes[index % nodes.length]!.url, key)),
      );
      return [200, 429].map((status) => results.filter((result) => result.status === status).length);
    };
    redis.freeze();
    // ⌈60 ÷ 3 expected nodes⌉ = 20 admitted by each node's local limiter, 50 calls per node.
    expect(await burst()).toEqual([60, 90]);
    // The shared cache: the rate limiter already found Redis down, so lookups and stores skip Redis (misses, stores
    // dropped) without waiting on it a second time: no failed command, and the cache's own breaker stays closed.
    const cacheKey = await createKey('shared');
    for (const prompt of ['frozen one', 'frozen two']) {
      fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
      const response = await fetch(`${nodes[2]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${cacheKey}`,
          'content-type': 'application/json',
          'x-meridian-cache': 'true',
        },
        body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: prompt }] }),
      });
      expect([response.status, response.headers.get('x-meridian-cache')]).toEqual([200, 'miss']);
    }
    const metrics = await readMetrics(nodes[2]!.url);
    expect(metrics).toMatch(/^meridian_response_cache_shared_failures_total 0$/m);
    expect(metrics).toMatch(/^meridian_degraded\{component="redis"\} 1$/m);
    redis.thaw();
    await redis.stop();
    expect(await burst()).toEqual([60, 90]);
    expect(fake.received).toHaveLength(60);
    const readiness = (await (await fetch(`${nodes[0]!.url}/readyz`)).json()) as { checks: { rate_limits: string } };
    expect(readiness.checks.rate_limits).toBe('degraded');
  }, 60_000);

  it("SIGKILL of a node mid-stream: the others keep serving and their reconciler gives the dead node's hold back", async () => {
    fake.reset();
    const key = await createKey('crash');
    const chunk = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] })}\n\n`;
    fake.enqueue({ kind: 'sse', frames: [chunk], holdAfter: 1 });
    const victim = nodes[2]!;
    const response = await fetch(`${victim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/metered',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        max_tokens: 50,
      }),
    });
    await response.body!.getReader().read();
    expect((await readCredits(nodes[0]!.url, key))['held']).not.toBe(0);

    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    expect((await call(nodes[0]!.url, key)).status).toBe(200);
    expect((await call(nodes[1]!.url, key)).status).toBe(200);

    // Holds live 3 s here and every node sweeps each 0.5 s (advisory lock: one sweep expires it): bounded polling.
    let credits = await readCredits(nodes[0]!.url, key);
    for (let attempt = 0; attempt < 40 && credits['held'] !== 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      credits = await readCredits(nodes[0]!.url, key);
    }
    // The dead node's call reported no usage: charge 0, the whole hold back; the two calls after it are charged.
    expect(credits).toEqual({
      total_credits: 1,
      total_credits_nanos: '1000000000',
      total_usage: renderNanos(2n * callCostNanos),
      total_usage_nanos: String(2n * callCostNanos),
      held: 0,
      held_nanos: '0',
      available: renderNanos(1_000_000_000n - 2n * callCostNanos),
      available_nanos: String(1_000_000_000n - 2n * callCostNanos),
      org_id: 'crash',
    });
    const report = await verifyLedger();
    expect(report).not.toContain('✗');
  }, 60_000);
});
