import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findRedisSkipReason, startRedis } from '../../../test/support/start-redis.js';
import type { RedisServer } from '../../../test/support/start-redis.js';
import { limits } from '../../config/index.js';
import type { KeyRateLimits } from '../../storage/index.js';
import { createRateLimiter } from '../create-rate-limiter.js';
import type { RateDecision } from '../create-rate-limiter.js';
import { currentRateWindow } from '../current-rate-window.js';
import { createRedisClient } from './create-redis-client.js';
import { createRedisRateLimiter } from './create-redis-rate-limiter.js';
import { redisNodesKey, redisRateKeys } from './redis-rate-keys.js';
import { createTestCluster, noLimits, settle, waitUntil } from './redis-test-support.js';
import type { TestCluster } from './redis-test-support.js';

const skipReason = findRedisSkipReason();
const noonAndTenSecondsMs = Date.UTC(2026, 10, 30, 12, 0, 10);

describe.skipIf(skipReason !== undefined)('createRedisRateLimiter: three nodes on one real Redis', () => {
  let server: RedisServer;
  let cluster: TestCluster;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    // A generous command timeout: these tests are about exact counts, not about a slow machine's stalls.
    cluster = await createTestCluster(server.url, {
      nodeCount: 3,
      startMs: noonAndTenSecondsMs,
      commandTimeoutMs: 2_000,
    });
  });
  afterEach(async () => {
    // Nothing in these tests may have gone degraded: that would make every count a local one.
    expect(cluster.nodes.map((node) => [node.state(), node.degradedAdmissionsCount()])).toEqual([
      ['ok', 0],
      ['ok', 0],
      ['ok', 0],
    ]);
    await cluster.close();
  });

  const node = (index: number) => cluster.nodes[index % cluster.nodes.length]!;
  const keysOf = (keyId: string, nowMs = cluster.nowMs) =>
    redisRateKeys(cluster.prefix, keyId, currentRateWindow(nowMs).index);

  it('admits exactly 60 of 200 concurrent requests spread over three nodes for a 60-per-minute key', async () => {
    const keyLimits = { ...noLimits, requestsPerMinute: 60 };
    const first = await settle(node(0).admit('key-a', keyLimits, 10));
    expect(first.ok).toBe(true);
    expect(first.headers).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '50s',
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '59',
      'x-ratelimit-reset': '50',
    });
    const rest = await Promise.all(
      Array.from({ length: 199 }, (_, index) => settle(node(index).admit('key-a', keyLimits, 10))),
    );
    const decisions = [first, ...rest];
    const admitted = decisions.filter((decision) => decision.ok);
    const refused = decisions.filter((decision) => !decision.ok);
    expect(admitted).toHaveLength(60);
    expect(refused).toHaveLength(140);
    // Atomic admissions: each admitted request saw a different count, 59 down to 0 remaining.
    const remaining = admitted.map((decision) => Number(decision.headers['x-ratelimit-remaining-requests']));
    expect(remaining.sort((a, b) => b - a)).toEqual(Array.from({ length: 60 }, (_, index) => 59 - index));
    for (const decision of refused) {
      expect(decision).toEqual({
        ok: false,
        kind: 'requests',
        retryAfterSeconds: 50,
        headers: { ...first.headers, 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining': '0' },
      });
    }
    expect(await cluster.inspector.get(keysOf('key-a').requests)).toBe('60');
    // Another key has its own 60.
    expect((await settle(node(1).admit('key-b', keyLimits, 10))).ok).toBe(true);
  });

  it('counts tokens per minute across nodes, corrected to the actual count when a request finishes', async () => {
    cluster.nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    const keyLimits = { ...noLimits, tokensPerMinute: 1_000 };
    const first = await settle(node(0).admit('k', keyLimits, 900));
    expect(first).toMatchObject({ ok: true, headers: { 'x-ratelimit-remaining-tokens': '100' } });
    if (first.ok) first.finish(400);
    await node(0).waitForReleases();
    expect(await cluster.inspector.get(keysOf('k').tokens)).toBe('400');
    const second = await settle(node(1).admit('k', keyLimits, 500));
    expect(second).toMatchObject({ ok: true, headers: { 'x-ratelimit-remaining-tokens': '100' } });
    if (second.ok) second.finish(600);
    await node(1).waitForReleases();
    expect(await cluster.inspector.get(keysOf('k').tokens)).toBe('1000');
    expect(await settle(node(2).admit('k', keyLimits, 1))).toEqual({
      ok: false,
      kind: 'tokens',
      retryAfterSeconds: 60,
      headers: {
        'x-ratelimit-limit-tokens': '1000',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '60s',
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '60',
      },
    });
    // A finish counted twice would correct twice: the second call is ignored.
    if (second.ok) second.finish(0);
    await node(1).waitForReleases();
    expect(await cluster.inspector.get(keysOf('k').tokens)).toBe('1000');
  });

  it('bounds concurrent requests across nodes at exactly the limit and frees each slot once', async () => {
    const keyLimits = { ...noLimits, concurrencyMax: 5 };
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, index) => settle(node(index).admit('k', keyLimits, 1))),
    );
    const admitted = decisions.filter((decision) => decision.ok);
    expect(admitted).toHaveLength(5);
    for (const decision of decisions.filter((candidate) => !candidate.ok)) {
      expect(decision).toEqual({ ok: false, kind: 'concurrency', retryAfterSeconds: 1, headers: {} });
    }
    expect(await cluster.inspector.zcard(keysOf('k').inflight)).toBe(5);
    for (const decision of admitted.slice(0, 2)) {
      decision.finish(1);
      decision.finish(1);
    }
    await Promise.all(cluster.nodes.map((each) => each.waitForReleases()));
    expect(await cluster.inspector.zcard(keysOf('k').inflight)).toBe(3);
    const more = await Promise.all([0, 1, 2].map((index) => settle(node(index).admit('k', keyLimits, 1))));
    expect(more.filter((decision) => decision.ok)).toHaveLength(2);
    expect(await cluster.inspector.zcard(keysOf('k').inflight)).toBe(5);
  });

  it("frees a dead node's slot exactly when its lease runs out", async () => {
    const keyLimits = { ...noLimits, concurrencyMax: 2 };
    const startMs = cluster.nowMs;
    // Node 2 admits a request and dies before finishing it: its client is gone, nothing will release the slot.
    expect((await settle(node(2).admit('k', keyLimits, 1))).ok).toBe(true);
    cluster.clients[2]!.disconnect();
    cluster.nowMs = startMs + 1_000;
    expect((await settle(node(0).admit('k', keyLimits, 1))).ok).toBe(true);
    cluster.nowMs = startMs + limits.redisConcurrencyLeaseMs - 1;
    expect(await settle(node(1).admit('k', keyLimits, 1))).toMatchObject({ ok: false, kind: 'concurrency' });
    cluster.nowMs = startMs + limits.redisConcurrencyLeaseMs;
    expect((await settle(node(1).admit('k', keyLimits, 1))).ok).toBe(true);
    // Node 0's request (admitted 1 s later) still holds its slot.
    expect(await settle(node(0).admit('k', keyLimits, 1))).toMatchObject({ ok: false, kind: 'concurrency' });
    // The dead node's client is closed already; close() must not fail on it.
    await node(2).close();
  });

  it('rolls windows over exactly at the UTC minute, on the clock each node passes to the script', async () => {
    const keyLimits = { ...noLimits, requestsPerMinute: 2 };
    const lastMs = Date.UTC(2026, 10, 30, 12, 0, 59, 999);
    cluster.nowMs = lastMs;
    expect((await settle(node(0).admit('k', keyLimits, 1))).ok).toBe(true);
    expect((await settle(node(1).admit('k', keyLimits, 1))).ok).toBe(true);
    expect(await settle(node(2).admit('k', keyLimits, 1))).toMatchObject({
      ok: false,
      kind: 'requests',
      retryAfterSeconds: 1,
      headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' },
    });
    cluster.nowMs = lastMs + 1;
    expect(await settle(node(2).admit('k', keyLimits, 1))).toMatchObject({
      ok: true,
      headers: { 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '60s' },
    });
    expect(await cluster.inspector.get(keysOf('k', lastMs).requests)).toBe('2');
    expect(await cluster.inspector.get(keysOf('k', lastMs + 1).requests)).toBe('1');
  });

  it('writes only prefixed keys with TTLs, and nothing at all for a key without limits', async () => {
    const unlimited = node(0).admit('free', noLimits, 10);
    expect(unlimited).not.toBeInstanceOf(Promise);
    expect(await cluster.inspector.keys(`${cluster.prefix}*`)).toEqual([]);
    const decision = await settle(
      node(0).admit('k', { requestsPerMinute: 10, tokensPerMinute: 100, concurrencyMax: 3 }, 7),
    );
    expect(decision.ok).toBe(true);
    const keys = keysOf('k');
    expect((await cluster.inspector.keys(`${cluster.prefix}*`)).sort()).toEqual(
      [keys.inflight, keys.requests, keys.tokens].sort(),
    );
    expect(keys.requests).toBe(`${cluster.prefix}rate:{k}:requests:${currentRateWindow(cluster.nowMs).index}`);
    for (const key of [keys.requests, keys.tokens]) {
      const ttlMs = await cluster.inspector.pttl(key);
      expect(ttlMs > 0 && ttlMs <= limits.redisRateWindowKeyTtlMs).toBe(true);
    }
    const leaseTtlMs = await cluster.inspector.pttl(keys.inflight);
    expect(leaseTtlMs > limits.redisRateWindowKeyTtlMs && leaseTtlMs <= limits.redisConcurrencyLeaseMs).toBe(true);
    // One lease: this node's request id, scored by its expiry on the node's clock.
    const lease = await cluster.inspector.zrange(keys.inflight, '0', '-1', 'WITHSCORES');
    expect(lease).toHaveLength(2);
    expect(lease[0]).toMatch(/^node-0:[0-9a-f]{12}:1$/);
    expect(lease[1]).toBe(String(cluster.nowMs + limits.redisConcurrencyLeaseMs));
  });

  it('counts live nodes from heartbeats, forgets silent ones, and lets config pin the count', async () => {
    expect(node(0).liveNodesCount()).toBe(1);
    for (const each of cluster.nodes) await each.heartbeat();
    expect(cluster.nodes.map((each) => each.liveNodesCount())).toEqual([1, 2, 3]);
    await Promise.all(cluster.nodes.map((each) => each.heartbeat()));
    expect(cluster.nodes.map((each) => each.liveNodesCount())).toEqual([3, 3, 3]);
    const pinned = createRedisRateLimiter({
      redis: createRedisClient({ url: server.url }),
      keyPrefix: cluster.prefix,
      nodeId: 'pinned',
      nodesExpected: 4,
      now: () => cluster.nowMs,
    });
    expect(pinned.liveNodesCount()).toBe(4);
    await pinned.close();
    cluster.nowMs += limits.redisNodeLiveWindowMs;
    await node(0).heartbeat();
    expect(node(0).liveNodesCount()).toBe(3);
    cluster.nowMs += 1;
    await node(0).heartbeat();
    expect(node(0).liveNodesCount()).toBe(1);
    // A node that closes leaves the set at once.
    await node(1).heartbeat();
    expect(node(1).liveNodesCount()).toBe(2);
    await node(0).close();
    await node(1).heartbeat();
    expect(node(1).liveNodesCount()).toBe(1);
  });

  it('heartbeats at once on start, and leaves the node set on close', async () => {
    const nodesKey = redisNodesKey(cluster.prefix);
    node(0).start();
    await waitUntil(async () => (await cluster.inspector.zscore(nodesKey, 'node-0')) !== null, 'the first heartbeat');
    expect(await cluster.inspector.zscore(nodesKey, 'node-0')).toBe(String(cluster.nowMs));
    await node(0).close();
    expect(await cluster.inspector.zscore(nodesKey, 'node-0')).toBe(null);
  });

  it('answers like the in-memory limiter for the same sequence of admissions and finishes', async () => {
    const local = createRateLimiter({ now: () => cluster.nowMs });
    const keyLimits: KeyRateLimits = { requestsPerMinute: 4, tokensPerMinute: 50, concurrencyMax: 2 };
    // Finish indices count admissions (refused ones included); comments give the state after each step.
    const steps: readonly (
      { readonly admit: number } | { readonly finish: number; readonly actual: number } | { readonly atMs: number }
    )[] = [
      { admit: 20 }, // #0 ok: 1 request, 20 tokens, 1 in flight
      { admit: 20 }, // #1 ok: 2, 40, 2
      { admit: 1 }, // #2 refused: concurrency
      { finish: 0, actual: 5 }, // 2, 25, 1
      { admit: 30 }, // #3 ok: 3, 55, 2
      { admit: 1 }, // #4 refused: tokens
      { finish: 1, actual: 0 }, // 3, 35, 1
      { admit: 1 }, // #5 ok: 4, 36, 2
      { finish: 3, actual: 30 }, // 4, 36, 1
      { admit: 1 }, // #6 refused: requests
      { atMs: Date.UTC(2026, 10, 30, 12, 1, 30) },
      { finish: 5, actual: 7 }, // a finish in the next minute corrects nothing: 0, 0, 0
      { admit: 10 }, // #7 ok: 1, 10, 1
      { admit: 10 }, // #8 ok: 2, 20, 2
      { finish: 7, actual: 3 }, // 2, 13, 1
      { admit: 10 }, // #9 ok: 3, 23, 2
      { admit: 10 }, // #10 refused: concurrency
      { finish: 8, actual: 10 },
      { finish: 9, actual: 10 },
      { admit: 10 }, // #11 ok: 4, 33, 1
      { admit: 10 }, // #12 refused: requests
    ];
    const localDecisions: RateDecision[] = [];
    const redisDecisions: RateDecision[] = [];
    for (const [index, step] of steps.entries()) {
      if ('atMs' in step) {
        cluster.nowMs = step.atMs;
      } else if ('admit' in step) {
        localDecisions.push(local.admit('k', keyLimits, step.admit));
        redisDecisions.push(await settle(node(index).admit('k', keyLimits, step.admit)));
      } else {
        for (const decisions of [localDecisions, redisDecisions]) {
          const decision = decisions[step.finish]!;
          if (decision.ok) decision.finish(step.actual);
        }
        await Promise.all(cluster.nodes.map((each) => each.waitForReleases()));
      }
    }
    const shape = (decision: RateDecision) => (decision.ok ? { ok: true, headers: decision.headers } : { ...decision });
    expect(redisDecisions.map(shape)).toEqual(localDecisions.map(shape));
    // The sequence reaches every refusal kind, so the comparison covers them all.
    expect(new Set(localDecisions.map((decision) => (decision.ok ? 'ok' : decision.kind)))).toEqual(
      new Set(['ok', 'requests', 'tokens', 'concurrency']),
    );
  });
});
