import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findRedisSkipReason, startRedis } from '../../../test/support/start-redis.js';
import type { RedisServer } from '../../../test/support/start-redis.js';
import { limits } from '../../config/index.js';
import type { RateDecision } from '../create-rate-limiter.js';
import { currentRateWindow } from '../current-rate-window.js';
import type { RedisRateLimiter } from './create-redis-rate-limiter.js';
import { redisRateKeys } from './redis-rate-keys.js';
import { createTestCluster, noLimits, settle, waitUntil } from './redis-test-support.js';
import type { TestCluster } from './redis-test-support.js';

const skipReason = findRedisSkipReason();
const keyLimits = { ...noLimits, requestsPerMinute: 60 };

/**
 * Counts the commands a client sends from now on (script calls included: ioredis sends them all through
 * `sendCommand`). Spying twice on one method reuses the spy, so count from its current total.
 */
function countCommands(client: Redis): () => number {
  const spy = vi.spyOn(client, 'sendCommand');
  const before = spy.mock.calls.length;
  return () => spy.mock.calls.length - before;
}

/**
 * 30 admissions one after another on a node whose Redis is unreachable: the first `redisBreakerFailuresMax`
 * try Redis and fail, the breaker opens at the last of them, the rest are answered at once without a command.
 */
async function admitThirtyWhileUnreachable(node: RedisRateLimiter, client: Redis): Promise<RateDecision[]> {
  const commandsSent = countCommands(client);
  const decisions: RateDecision[] = [];
  for (let index = 0; index < 30; index += 1) {
    const answer = node.admit('k', keyLimits, 10);
    // Once open, the breaker answers synchronously: no promise, so no wait at all.
    expect(answer instanceof Promise).toBe(index < limits.redisBreakerFailuresMax);
    decisions.push(await settle(answer));
    expect(node.state()).toBe(index + 1 < limits.redisBreakerFailuresMax ? 'ok' : 'degraded');
  }
  expect(commandsSent()).toBe(limits.redisBreakerFailuresMax);
  expect(node.degradedAdmissionsCount()).toBe(30);
  return decisions;
}

/**
 * Waits until every node's connection has been worked through by a thawed server: a PING sent on the same
 * connection is answered after everything sent before it.
 */
async function drainBacklogs(cluster: TestCluster): Promise<void> {
  await Promise.all(cluster.clients.map((client) => client.ping()));
}

/** 60 ÷ 3 live nodes = 20 per node, counted locally; the refusals say so in their headers. */
function expectDegradedShare(decisions: readonly RateDecision[]): void {
  expect(decisions.filter((decision) => decision.ok)).toHaveLength(20);
  const refused = decisions.filter((decision) => !decision.ok);
  expect(refused).toHaveLength(10);
  for (const decision of refused) {
    expect(decision).toMatchObject({
      kind: 'requests',
      retryAfterSeconds: 50,
      headers: { 'x-ratelimit-limit-requests': '20', 'x-ratelimit-remaining-requests': '0' },
    });
  }
}

describe.skipIf(skipReason !== undefined)('createRedisRateLimiter when Redis fails', () => {
  let server: RedisServer;
  let cluster: TestCluster;

  beforeEach(async () => {
    server = await startRedis();
    // The production command timeout: these tests are about it.
    cluster = await createTestCluster(server.url, { nodeCount: 3, startMs: Date.UTC(2026, 10, 30, 12, 0, 10) });
    for (const node of cluster.nodes) await node.heartbeat();
    await Promise.all(cluster.nodes.map((node) => node.heartbeat()));
    expect(cluster.nodes.map((node) => node.liveNodesCount())).toEqual([3, 3, 3]);
  });
  afterEach(async () => {
    server.thaw();
    await cluster.close();
    await server.stop();
  });

  it('configures every client to give up on a command after the documented timeout, never queueing or resending', () => {
    for (const client of cluster.clients) {
      expect(client.options).toMatchObject({
        commandTimeout: limits.redisCommandTimeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
      });
    }
  });

  it('stopped: keeps admitting on limit ÷ live nodes per node (60 → 20), the breaker open after N failures', async () => {
    expect((await settle(cluster.nodes[0]!.admit('k', keyLimits, 10))).ok).toBe(true);
    await server.stop();
    await waitUntil(
      async () => Promise.resolve(cluster.clients.every((client) => client.status !== 'ready')),
      'every client saw the connection close',
    );
    const perNode = await Promise.all(
      cluster.nodes.map((node, index) => admitThirtyWhileUnreachable(node, cluster.clients[index]!)),
    );
    for (const decisions of perNode) expectDegradedShare(decisions);
    // A heartbeat while open does not touch Redis either, and the remembered count stays.
    const commandsSent = countCommands(cluster.clients[0]!);
    await cluster.nodes[0]!.heartbeat();
    expect(commandsSent()).toBe(0);
    expect(cluster.nodes[0]!.liveNodesCount()).toBe(3);
  });

  it('frozen: times out into the same degraded share; thawed: one probe closes the breaker and global counting resumes exactly', async () => {
    server.freeze();
    const perNode = await Promise.all(
      cluster.nodes.map((node, index) => admitThirtyWhileUnreachable(node, cluster.clients[index]!)),
    );
    for (const decisions of perNode) expectDegradedShare(decisions);
    // Every admitted request ends; the releases of the 9 timed-out admissions wait for Redis (breaker open).
    for (const decisions of perNode) for (const decision of decisions) if (decision.ok) decision.finish(10);
    const keys = redisRateKeys(cluster.prefix, 'k', currentRateWindow(cluster.nowMs).index);

    server.thaw();
    // The frozen server works through its sockets: the 9 timed-out admissions run now, late but real.
    await drainBacklogs(cluster);
    expect(await cluster.inspector.get(keys.requests)).toBe('9');
    expect(await cluster.inspector.zcard(keys.inflight)).toBe(9);

    // Before the cool-down ends the breaker stays open: still local, still no command.
    const commandsSent = countCommands(cluster.clients[0]!);
    expect(cluster.nodes[0]!.admit('k', keyLimits, 10)).toMatchObject({ ok: false, kind: 'requests' });
    expect(commandsSent()).toBe(0);

    cluster.nowMs += limits.redisBreakerCoolDownMs;
    for (const node of cluster.nodes) {
      const probe = node.admit('k', keyLimits, 10);
      expect(probe).toBeInstanceOf(Promise);
      expect((await settle(probe)).ok).toBe(true);
      expect(node.state()).toBe('ok');
    }
    await Promise.all(cluster.nodes.map((node) => node.waitForReleases()));
    // The kept releases gave the 9 slots back; the served requests stay counted (9 + 3 probes).
    expect(await cluster.inspector.zcard(keys.inflight)).toBe(3);
    expect(await cluster.inspector.get(keys.requests)).toBe('12');

    const more = await Promise.all(
      Array.from({ length: 60 }, (_, index) => settle(cluster.nodes[index % 3]!.admit('k', keyLimits, 10))),
    );
    expect(more.filter((decision) => decision.ok)).toHaveLength(48);
    expect(more.filter((decision) => !decision.ok && decision.kind === 'requests')).toHaveLength(12);
    expect(await cluster.inspector.get(keys.requests)).toBe('60');
    expect(cluster.nodes.map((node) => node.degradedAdmissionsCount())).toEqual([31, 30, 30]);
    expect(cluster.stateChanges).toEqual([
      ['degraded', 'ok'],
      ['degraded', 'ok'],
      ['degraded', 'ok'],
    ]);
  });

  it('undoes a timed-out admission that ran late in Redis but was refused by the degraded limits, exactly once', async () => {
    const node = cluster.nodes[0]!;
    // Local share while degraded: ⌈3 ÷ 3⌉ = 1 request.
    const small = { ...noLimits, requestsPerMinute: 3, tokensPerMinute: 1_000 };
    server.freeze();
    const first = await settle(node.admit('k', small, 10));
    expect(first.ok).toBe(true);
    // Refused locally: its release (undo) is sent at once, times out too, and is kept; the breaker opens.
    expect(await settle(node.admit('k', small, 10))).toMatchObject({ ok: false, kind: 'requests' });
    await node.waitForReleases();
    expect(node.state()).toBe('degraded');
    if (first.ok) first.finish(10);
    const keys = redisRateKeys(cluster.prefix, 'k', currentRateWindow(cluster.nowMs).index);

    server.thaw();
    // Late, in order: admission 1 and admission 2 both counted, then the undo of admission 2.
    await drainBacklogs(cluster);
    expect(await cluster.inspector.get(keys.requests)).toBe('1');
    expect(await cluster.inspector.get(keys.tokens)).toBe('10');
    expect(await cluster.inspector.zcard(keys.inflight)).toBe(1);

    cluster.nowMs += limits.redisBreakerCoolDownMs;
    expect(await settle(node.admit('k', small, 10))).toMatchObject({
      ok: true,
      headers: { 'x-ratelimit-remaining-requests': '1' },
    });
    await node.waitForReleases();
    // The kept releases ran once the probe closed the breaker: admission 1's slot is free, and the undo of
    // admission 2, sent a second time, changed nothing (its lease was already gone).
    expect(await cluster.inspector.get(keys.requests)).toBe('2');
    expect(await cluster.inspector.get(keys.tokens)).toBe('20');
    expect(await cluster.inspector.zcard(keys.inflight)).toBe(1);
  });
});
