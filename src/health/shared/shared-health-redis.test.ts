import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findRedisSkipReason, startRedis } from '../../../test/support/start-redis.js';
import type { RedisServer } from '../../../test/support/start-redis.js';
import { connectRedisClient, createRedisClient } from '../../limits/redis/index.js';
import { createHealthTracker } from '../create-health-tracker.js';
import { failMany, key } from '../test-support.js';
import { sharedHealthChannelName } from './start-shared-health-channel.js';
import { startSharedHealth } from './start-shared-health.js';
import type { RunningSharedHealth } from './start-shared-health.js';

const skipReason = findRedisSkipReason();
const startMs = 1_000_000;

interface TestNode {
  readonly shared: RunningSharedHealth;
  readonly client: Redis;
  readonly errors: unknown[];
}

/** Bounded wait (≤ 2 s) for something another connection makes true. */
async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe.skipIf(skipReason !== undefined)('shared health: two nodes on one real Redis', () => {
  let server: RedisServer;
  let inspector: Redis;
  let listener: Redis;
  let prefix: string;
  let heard: string[];
  const nodes: TestNode[] = [];
  const clock = { nowMs: startMs };

  const startNode = async (nodeId: string): Promise<TestNode> => {
    // A generous command timeout: these tests are about what crosses between nodes, not about a slow machine's stalls.
    const client = createRedisClient({ url: server.url, commandTimeoutMs: 2_000 });
    expect(await connectRedisClient(client)).toBe(true);
    const errors: unknown[] = [];
    const shared = await startSharedHealth({
      client,
      keyPrefix: prefix,
      nodeId,
      tracker: createHealthTracker(),
      now: () => clock.nowMs,
      onError: (error) => errors.push(error),
    });
    const node = { shared, client, errors };
    nodes.push(node);
    return node;
  };
  const subscribersCount = async (): Promise<number> => {
    const reply = (await inspector.pubsub('NUMSUB', sharedHealthChannelName(prefix))) as [string, number];
    return Number(reply[1]);
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    prefix = `test-${randomUUID()}:`;
    clock.nowMs = startMs;
    heard = [];
    inspector = new Redis(server.url, { lazyConnect: true });
    await inspector.connect();
    listener = new Redis(server.url, { lazyConnect: true });
    await listener.connect();
    listener.on('message', (_channel: string, text: string) => heard.push(text));
    await listener.subscribe(sharedHealthChannelName(prefix));
  });
  afterEach(() => {
    for (const node of nodes.splice(0)) {
      node.shared.close();
      node.client.disconnect();
    }
    inspector.disconnect();
    listener.disconnect();
  });

  it('A opens a circuit → B stops sending it traffic; A recovers → B sends again', async () => {
    const nodeA = await startNode('node-a');
    const nodeB = await startNode('node-b');
    await waitUntil(async () => (await subscribersCount()) === 3, 'both nodes and the listener are subscribed');

    expect(failMany(nodeA.shared.health, startMs, 10)).toBe(10);
    await waitUntil(() => !nodeB.shared.health.isAvailable(key, startMs), 'B hears that A opened the circuit');
    expect(nodeB.shared.health.snapshot(key, startMs)).toMatchObject({
      circuit: 'closed',
      recentRequests: 0,
      unavailableUntilMs: startMs + 15_000,
    });
    expect(nodeB.shared.health.tryAdmit(key, startMs + 14_999)).toBe(false);

    clock.nowMs = startMs + 15_000;
    expect(nodeA.shared.health.tryAdmit(key, clock.nowMs)).toBe(true);
    nodeA.shared.health.recordSuccess(key, { nowMs: clock.nowMs, ttftMs: 200, tokensPerSecond: 40 });
    // Asked at a time A's rest would still run: only the clear can make B available.
    await waitUntil(() => nodeB.shared.health.isAvailable(key, startMs + 5_000), 'B hears that A recovered');
    expect(nodeB.shared.health.remoteRestsCount()).toBe(0);

    await waitUntil(() => heard.length === 2, 'the listener heard both messages');
    expect(heard).toEqual([
      `{"endpoint":"${key}","untilMs":${startMs + 15_000},"nodeId":"node-a"}`,
      `{"endpoint":"${key}","untilMs":0,"nodeId":"node-a"}`,
    ]);
    expect([nodeA.errors, nodeB.errors]).toEqual([[], []]);
  });

  it('drops malformed messages and applies the well-formed one sent after them', async () => {
    const nodeB = await startNode('node-b');
    await waitUntil(async () => (await subscribersCount()) === 2, 'the node and the listener are subscribed');
    const channel = sharedHealthChannelName(prefix);
    await inspector.publish(channel, 'open');
    await inspector.publish(channel, `{"endpoint":"${key}","untilMs":-1,"nodeId":"node-c"}`);
    await inspector.publish(channel, `{"endpoint":"${key}","untilMs":${startMs + 3_600_000},"nodeId":"node-c"}`);
    await waitUntil(() => !nodeB.shared.health.isAvailable(key, startMs), 'B applies the valid message');
    expect(nodeB.shared.channel.droppedMessagesCount()).toBe(2);
    // An hour asked for, five minutes granted.
    expect(nodeB.shared.health.snapshot(key, startMs).unavailableUntilMs).toBe(startMs + 5 * 60_000);
  });

  it('closes the subscriber connection on close', async () => {
    const nodeA = await startNode('node-a');
    await startNode('node-b');
    await waitUntil(async () => (await subscribersCount()) === 3, 'both nodes and the listener are subscribed');
    nodeA.shared.close();
    await waitUntil(async () => (await subscribersCount()) === 2, "A's subscriber is gone");
  });
});

describe.skipIf(skipReason !== undefined)('shared health: Redis stopped', () => {
  it('keeps recording outcomes and reports the failed publish instead of throwing', async () => {
    const server = await startRedis();
    const client = createRedisClient({ url: server.url, commandTimeoutMs: 2_000 });
    expect(await connectRedisClient(client)).toBe(true);
    const errors: unknown[] = [];
    const shared = await startSharedHealth({
      client,
      keyPrefix: `test-${randomUUID()}:`,
      nodeId: 'node-a',
      tracker: createHealthTracker(),
      now: () => startMs,
      onError: (error) => errors.push(error),
    });
    try {
      await server.stop();
      await waitUntil(() => client.status !== 'ready', 'the client noticed');
      expect(failMany(shared.health, startMs, 10)).toBe(10);
      expect(shared.health.isAvailable(key, startMs)).toBe(false);
      await waitUntil(
        () => errors.some((error) => String(error).includes('enableOfflineQueue')),
        'the failed publish is reported',
      );
    } finally {
      shared.close();
      client.disconnect();
      await server.stop();
    }
  });
});
