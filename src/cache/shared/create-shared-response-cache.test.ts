import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findRedisSkipReason, startRedis } from '../../../test/support/start-redis.js';
import type { RedisServer } from '../../../test/support/start-redis.js';
import { limits } from '../../config/index.js';
import { connectRedisClient, createRedisClient } from '../../limits/redis/index.js';
import { createTestModel } from '../../routing/test-support.js';
import { createUnknownUsage } from '../../spec/index.js';
import type { CachedCall } from '../response-cache.js';
import { createSharedResponseCache } from './create-shared-response-cache.js';
import type { SharedResponseCache, SharedResponseCacheOptions } from './create-shared-response-cache.js';
import { sharedCacheKeys } from './shared-cache-script.js';
import { encodeSharedEntry } from './shared-entry.js';

const skipReason = findRedisSkipReason();
const model = createTestModel('vendor/model', [{ provider: 'provider-a', prompt: '1', completion: '2' }]);

/** A cached stream answer of one text delta. */
function answer(text: string): CachedCall {
  const billed = {
    usage: createUnknownUsage(),
    promptTokens: 3,
    completionTokens: 1,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNanos: 5_000n,
    upstreamCostNanos: 5_000n,
    isEstimated: false,
  };
  const events = [{ type: 'text-delta', choice: 0, delta: text }] as const;
  return { answer: { kind: 'stream', events }, model, endpoint: model.endpoints[0]!, billed, finishReason: undefined };
}

describe.skipIf(skipReason !== undefined)('createSharedResponseCache on a real Redis', () => {
  let server: RedisServer;
  let inspector: Redis;
  let prefix: string;
  let nowMs: number;
  let transitions: string[];
  const clients: Redis[] = [];

  /** One node's shared cache on its own client; every node of a test shares `prefix` and the test's clock. */
  async function createNode(overrides: Partial<SharedResponseCacheOptions> = {}): Promise<SharedResponseCache> {
    const client = createRedisClient({ url: server.url });
    expect(await connectRedisClient(client)).toBe(true);
    clients.push(client);
    return createSharedResponseCache({
      redis: client,
      keyPrefix: prefix,
      ttlMaxMs: 60_000,
      entriesMax: 100,
      bytesMax: 1_000_000,
      entryBytesMax: 10_000,
      now: () => nowMs,
      onStateChange: (state) => transitions.push(state),
      ...overrides,
    });
  }

  /** The index as Redis holds it: members by expiry, the size total, and the sum of the stored values' lengths. */
  async function readIndex(): Promise<{ members: string[]; bytes: number; storedBytes: number }> {
    const keys = sharedCacheKeys(prefix);
    const members = await inspector.zrange(keys.expiry, '0', '-1');
    const lengths = await Promise.all(members.map((member) => inspector.strlen(keys.entryPrefix + member)));
    const bytes = Number((await inspector.get(keys.bytes)) ?? '0');
    return { members, bytes, storedBytes: lengths.reduce((sum, length) => sum + length, 0) };
  }

  beforeAll(async () => {
    server = await startRedis();
    inspector = new Redis(server.url, { lazyConnect: true });
    await inspector.connect();
  });
  afterAll(async () => {
    inspector.disconnect();
    await server.stop();
  });
  beforeEach(() => {
    prefix = `test-${randomUUID()}:`;
    nowMs = Date.now();
    transitions = [];
  });
  afterEach(() => {
    server.thaw();
    for (const client of clients.splice(0)) client.disconnect();
  });

  it("serves one node's answer to another, charged 0 once resolved, until its age or TTL runs out", async () => {
    const [writer, reader] = [await createNode(), await createNode()];
    expect(await reader.get('k1', 60_000)).toBeUndefined();
    expect(await writer.set('k1', answer('hello'), 30_000)).toBe('stored');
    const entry = await reader.get('k1', 60_000);
    expect(entry).toMatchObject({
      storedAtMs: nowMs,
      expiresAtMs: nowMs + 30_000,
      modelId: 'vendor/model',
      providerId: 'provider-a',
      answer: answer('hello').answer,
    });
    nowMs += 9_999;
    expect(await reader.get('k1', 10_000)).toBeDefined();
    nowMs += 1;
    expect(await reader.get('k1', 10_000)).toBeUndefined();
    expect(await reader.get('k1', 60_000)).toBeDefined();
    nowMs += 20_000;
    expect(await reader.get('k1', 60_000)).toBeUndefined();
    expect(entry?.bytes).toBe(await inspector.strlen(sharedCacheKeys(prefix).entryPrefix + 'k1'));
    const pttl = await inspector.pttl(sharedCacheKeys(prefix).entryPrefix + 'k1');
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('keeps an answer no longer than the configured TTL, and its index keys just longer than that', async () => {
    const node = await createNode();
    expect(await node.set('k1', answer('a'), 10 * 60_000)).toBe('stored');
    const keys = sharedCacheKeys(prefix);
    expect(await inspector.zscore(keys.expiry, 'k1')).toBe(String(nowMs + 60_000));
    for (const key of [keys.expiry, keys.sizes, keys.bytes]) {
      const pttl = await inspector.pttl(key);
      expect(pttl).toBeGreaterThan(60_000);
      expect(pttl).toBeLessThanOrEqual(60_000 + limits.responseCacheIndexGraceMs);
    }
  });

  it('past max entries, evicts the answers closest to expiry, the new one included', async () => {
    const node = await createNode({ entriesMax: 3 });
    expect(await node.set('a', answer('a'), 40_000)).toBe('stored');
    expect(await node.set('b', answer('b'), 10_000)).toBe('stored');
    expect(await node.set('c', answer('c'), 30_000)).toBe('stored');
    expect(await node.set('d', answer('d'), 20_000)).toBe('stored');
    let index = await readIndex();
    expect(index.members).toEqual(['d', 'c', 'a']);
    expect(await node.get('b', 60_000)).toBeUndefined();
    expect(index.bytes).toBe(index.storedBytes);
    expect(await node.set('e', answer('e'), 5_000)).toBe('evicted');
    index = await readIndex();
    expect(index.members).toEqual(['d', 'c', 'a']);
    expect(index.bytes).toBe(index.storedBytes);
    expect(await node.get('e', 60_000)).toBeUndefined();
  });

  it('past max bytes, evicts until the sizes fit; the total is always the stored bytes exactly', async () => {
    const size = encodeSharedEntry(answer('x'.repeat(100)), { storedAtMs: nowMs, expiresAtMs: nowMs + 1 }).length;
    const node = await createNode({ bytesMax: size * 2 + 10 });
    expect(await node.set('a', answer('a'.repeat(100)), 10_000)).toBe('stored');
    expect(await node.set('b', answer('b'.repeat(100)), 20_000)).toBe('stored');
    expect(await node.set('c', answer('c'.repeat(100)), 30_000)).toBe('stored');
    const index = await readIndex();
    expect(index.members).toEqual(['b', 'c']);
    expect(index.bytes).toBe(size * 2);
    expect(index.storedBytes).toBe(size * 2);
  });

  it('replaces an answer stored again under its key, counting only the new one', async () => {
    const node = await createNode();
    await node.set('k', answer('short'), 10_000);
    await node.set('k', answer('a much longer answer than before'), 20_000);
    const index = await readIndex();
    expect(index.members).toEqual(['k']);
    expect(index.bytes).toBe(index.storedBytes);
    expect((await node.get('k', 60_000))?.answer).toEqual(answer('a much longer answer than before').answer);
  });

  it('does not store an answer larger than one entry may be', async () => {
    const node = await createNode({ entryBytesMax: 300 });
    expect(await node.set('big', answer('x'.repeat(300)), 10_000)).toBe('too-large');
    expect(await readIndex()).toEqual({ members: [], bytes: 0, storedBytes: 0 });
  });

  it('forgets the index entries of answers Redis has expired when the next answer is stored', async () => {
    const node = await createNode();
    await node.set('brief', answer('a'), 30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    nowMs += 60;
    await node.set('next', answer('b'), 10_000);
    const index = await readIndex();
    expect(index.members).toEqual(['next']);
    expect(index.bytes).toBe(index.storedBytes);
  });

  it('reads a value it did not write as a miss', async () => {
    const node = await createNode();
    await inspector.set(sharedCacheKeys(prefix).entryPrefix + 'k', '{"v":99}');
    expect(await node.get('k', 60_000)).toBeUndefined();
    expect(node.failuresCount()).toBe(0);
  });

  it('with Redis frozen: misses within the command timeout, then the breaker skips Redis until a probe succeeds', async () => {
    const node = await createNode();
    await node.set('k', answer('kept'), 60_000);
    server.freeze();
    for (let index = 0; index < limits.redisBreakerFailuresMax; index += 1) {
      const startedAt = performance.now();
      expect(await node.get('k', 60_000)).toBeUndefined();
      // The command timeout bounds the wait (50 ms; generous slack for a busy machine, no lower bound asserted).
      expect(performance.now() - startedAt).toBeLessThan(limits.redisCommandTimeoutMs + 1_000);
    }
    expect(node.state()).toBe('open');
    expect(transitions).toEqual(['open']);
    expect(node.failuresCount()).toBe(limits.redisBreakerFailuresMax);
    expect(await node.set('other', answer('dropped'), 60_000)).toBe('skipped');
    expect(await node.get('k', 60_000)).toBeUndefined();
    expect(node.failuresCount()).toBe(limits.redisBreakerFailuresMax);
    server.thaw();
    nowMs += limits.redisBreakerCoolDownMs;
    expect((await node.get('k', 60_000))?.answer).toEqual(answer('kept').answer);
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
    expect(await node.get('other', 60_000)).toBeUndefined();
  });

  it('while the rate limiter knows Redis is down: skips Redis at once, without waiting or counting a failure', async () => {
    let isRedisDown = true;
    const node = await createNode({ isRedisDown: () => isRedisDown });
    server.freeze();
    expect(await node.get('k', 60_000)).toBeUndefined();
    expect(await node.set('k', answer('dropped'), 60_000)).toBe('skipped');
    expect(node.failuresCount()).toBe(0);
    expect(node.state()).toBe('closed');
    server.thaw();
    isRedisDown = false;
    expect(await node.set('k', answer('kept'), 60_000)).toBe('stored');
    expect((await node.get('k', 60_000))?.answer).toEqual(answer('kept').answer);
  });

  it('a store that fails on a stopped Redis is dropped and counted', async () => {
    const node = await createNode();
    const [stopped] = clients.slice(-1);
    stopped!.disconnect();
    expect(await node.set('k', answer('a'), 60_000)).toBe('failed');
    expect(node.failuresCount()).toBe(1);
    expect(node.state()).toBe('closed');
  });
});
