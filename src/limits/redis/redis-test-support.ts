import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { RateDecision } from '../create-rate-limiter.js';
import { connectRedisClient, createRedisClient } from './create-redis-client.js';
import { createRedisRateLimiter } from './create-redis-rate-limiter.js';
import type { RateLimiterState, RedisRateLimiter } from './create-redis-rate-limiter.js';

export const noLimits = { requestsPerMinute: null, tokensPerMinute: null, concurrencyMax: null };

/** A test's nodes on one Redis, each with its own client, all reading one clock the test moves. */
export interface TestCluster {
  readonly prefix: string;
  readonly nodes: readonly RedisRateLimiter[];
  readonly clients: readonly Redis[];
  /** Each node's `onStateChange` calls, in order. */
  readonly stateChanges: readonly (readonly RateLimiterState[])[];
  /** A plain client for reading what the scripts wrote. */
  readonly inspector: Redis;
  nowMs: number;
  close(): Promise<void>;
}

/** `commandTimeoutMs` undefined: the production default (`limits.redisCommandTimeoutMs`). */
export async function createTestCluster(
  url: string,
  options: { readonly nodeCount: number; readonly startMs: number; readonly commandTimeoutMs?: number },
): Promise<TestCluster> {
  const prefix = `test-${randomUUID()}:`;
  const clients: Redis[] = [];
  const nodes: RedisRateLimiter[] = [];
  const stateChanges: RateLimiterState[][] = [];
  const inspector = new Redis(url, { lazyConnect: true });
  await inspector.connect();
  const cluster: TestCluster = {
    prefix,
    nodes,
    clients,
    stateChanges,
    inspector,
    nowMs: options.startMs,
    close: async () => {
      await Promise.all(nodes.map((node) => node.close()));
      inspector.disconnect();
    },
  };
  for (let index = 0; index < options.nodeCount; index += 1) {
    const client = createRedisClient({ url, commandTimeoutMs: options.commandTimeoutMs });
    expect(await connectRedisClient(client)).toBe(true);
    clients.push(client);
    const changes: RateLimiterState[] = [];
    stateChanges.push(changes);
    nodes.push(
      createRedisRateLimiter({
        redis: client,
        keyPrefix: prefix,
        nodeId: `node-${index}`,
        now: () => cluster.nowMs,
        onStateChange: (state) => changes.push(state),
      }),
    );
  }
  return cluster;
}

/** Decisions are awaited whether or not the limiter answered synchronously. */
export async function settle(decision: RateDecision | Promise<RateDecision>): Promise<RateDecision> {
  return await decision;
}

/** Bounded wait for something another connection makes true (e.g. a thawed Redis working through its backlog). */
export async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}
