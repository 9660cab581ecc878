import type { Redis } from 'ioredis';
import { limits } from '../../config/index.js';
import { createRedisBreaker } from '../../limits/redis/create-redis-breaker.js';
import type { RedisBreakerState, RedisCallPermit } from '../../limits/redis/create-redis-breaker.js';
import type { CachedCall } from '../response-cache.js';
import { defineSharedCacheScript, sharedCacheKeys } from './shared-cache-script.js';
import { decodeSharedEntry, encodeSharedEntry } from './shared-entry.js';
import type { SharedEntry } from './shared-entry.js';

export interface SharedResponseCacheOptions {
  /** The node's Redis client (the rate limiter's: command timeout, no offline queue). */
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Config `cache.ttl_seconds` in ms: no answer is kept longer. */
  readonly ttlMaxMs: number;
  /** Config `cache.max_entries` and `cache.max_bytes`, for the whole cluster's shared cache. */
  readonly entriesMax: number;
  readonly bytesMax: number;
  /** The largest value stored (bytes of its JSON); a larger answer stays in the node's memory only. */
  readonly entryBytesMax: number;
  readonly now: () => number;
  /** Told when the breaker opens (Redis is skipped) and closes again. */
  readonly onStateChange?: (state: RedisBreakerState) => void;
  /**
   * True while another user of the same Redis knows it to be down (the rate limiter's breaker is open or probing):
   * the cache then skips Redis too, so a frozen Redis costs a request one command timeout, not one per feature.
   */
  readonly isRedisDown?: () => boolean;
}

/** What one store did: kept, or why not. */
export type SharedStoreOutcome = 'stored' | 'evicted' | 'too-large' | 'skipped' | 'failed';

/**
 * The cluster's response cache in Redis, behind each node's in-memory cache: a node that misses in memory asks here,
 * and every answer a node keeps is also stored here. Redis never makes a call wait longer than the command timeout:
 * a failed lookup is a miss, a failed store is dropped, and after `redisBreakerFailuresMax` failures in a row the
 * breaker skips Redis for `redisBreakerCoolDownMs` (each node then serves from its own memory only).
 */
export interface SharedResponseCache {
  /** The entry stored under `key` less than `maxAgeMs` ago and not expired, or undefined (also when Redis fails). */
  get(key: string, maxAgeMs: number): Promise<SharedEntry | undefined>;
  /** Stores an answer for `ttlMs` (at most the configured TTL); never rejects. */
  set(key: string, call: CachedCall, ttlMs: number): Promise<SharedStoreOutcome>;
  /** Lookups and stores that failed (timeout, connection, error reply) since start. */
  failuresCount(): number;
  state(): RedisBreakerState;
}

export function createSharedResponseCache(options: SharedResponseCacheOptions): SharedResponseCache {
  const keys = sharedCacheKeys(options.keyPrefix);
  const scripts = defineSharedCacheScript(options.redis);
  const breaker = createRedisBreaker({
    now: options.now,
    failuresMax: limits.redisBreakerFailuresMax,
    coolDownMs: limits.redisBreakerCoolDownMs,
    ...(options.onStateChange === undefined ? {} : { onStateChange: options.onStateChange }),
  });
  let failures = 0;

  /** Runs one Redis command through the breaker: its result, `skipped` (breaker open) or `failed`. */
  async function throughBreaker<T>(work: () => Promise<T>): Promise<{ readonly value: T } | 'skipped' | 'failed'> {
    if (options.isRedisDown?.() === true) return 'skipped';
    const permit: RedisCallPermit | undefined = breaker.acquire();
    if (permit === undefined) return 'skipped';
    try {
      const value = await work();
      breaker.recordSuccess(permit);
      return { value };
    } catch {
      failures += 1;
      breaker.recordFailure(permit);
      return 'failed';
    }
  }

  return {
    async get(key, maxAgeMs) {
      const read = await throughBreaker(() => options.redis.get(keys.entryPrefix + key));
      if (typeof read === 'string' || read.value === null) return undefined;
      const entry = decodeSharedEntry(read.value);
      const nowMs = options.now();
      if (entry === undefined || nowMs >= entry.expiresAtMs || nowMs - entry.storedAtMs >= maxAgeMs) return undefined;
      return entry;
    },
    async set(key, call, ttlMs) {
      const nowMs = options.now();
      const expiresAtMs = nowMs + Math.min(ttlMs, options.ttlMaxMs);
      const value = encodeSharedEntry(call, { storedAtMs: nowMs, expiresAtMs });
      if (Buffer.byteLength(value) > options.entryBytesMax) return 'too-large';
      const outcome = await throughBreaker(() =>
        scripts.meridianCacheStore(
          keys.expiry,
          keys.sizes,
          keys.bytes,
          keys.entryPrefix + key,
          key,
          value,
          nowMs,
          expiresAtMs,
          options.entriesMax,
          options.bytesMax,
          keys.entryPrefix,
          limits.responseCacheForgetPerStoreMax,
          options.ttlMaxMs + limits.responseCacheIndexGraceMs,
        ),
      );
      if (typeof outcome === 'string') return outcome;
      return outcome.value[0] === 1 ? 'stored' : 'evicted';
    },
    failuresCount: () => failures,
    state: () => breaker.state(),
  };
}
