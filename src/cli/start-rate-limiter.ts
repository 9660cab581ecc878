import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { limits } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { createRateLimiter } from '../limits/index.js';
import type { RateLimiter } from '../limits/index.js';
import type { GatewayMetrics, Logger } from '../observability/index.js';

/** Where this node's rate limits are counted: in memory (one node), in Redis, or locally while Redis is down. */
export type RateLimitMode = 'local' | 'redis' | 'degraded';

export interface NodeRateLimiter {
  readonly limiter: RateLimiter;
  mode(): RateLimitMode;
  close(): Promise<void>;
  /** Cluster mode: the limiter's client, for the other features that share Redis (endpoint health); it closes the client. */
  readonly redis?: { readonly client: Redis; readonly keyPrefix: string; readonly nodeId: string };
}

/**
 * The node's rate limiter: in memory without `redis`; with it, global limits in Redis (src/limits/redis/) whose
 * degraded state shows in readiness, in the `meridian_degraded{component="redis"}` gauge and in a counter of
 * decisions taken locally. An unreachable Redis at start does not stop the node: it starts degraded.
 */
export async function startRateLimiter(input: {
  readonly config: MeridianConfig;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
}): Promise<NodeRateLimiter> {
  const { redis, nodeId, nodesExpected } = input.config.cluster;
  if (redis === undefined) {
    return { limiter: createRateLimiter({ now: Date.now }), mode: () => 'local', close: () => Promise.resolve() };
  }
  // Loaded only in cluster mode: a single node never pays for ioredis.
  const { connectRedisClient, createRedisClient, createRedisRateLimiter } = await import('../limits/redis/index.js');
  let lastErrorCode: string | undefined;
  const client = createRedisClient({
    url: redis.url,
    commandTimeoutMs: redis.commandTimeoutMs,
    // One line per kind of failure, not one per reconnection attempt.
    onError: (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? error.name;
      if (code !== lastErrorCode) input.log.warn('redis_error', { code });
      lastErrorCode = code;
    },
  });
  const shared = { client, keyPrefix: redis.keyPrefix, nodeId: nodeId ?? `${hostname()}-${process.pid}` };
  const limiter = createRedisRateLimiter({
    redis: client,
    keyPrefix: redis.keyPrefix,
    nodeId: shared.nodeId,
    nodesExpected,
    now: Date.now,
    onStateChange: (state) => {
      input.metrics.setDegraded('redis', state === 'degraded');
      input.log.warn('rate_limits_state', { state });
      if (state === 'ok') lastErrorCode = undefined;
    },
  });
  input.metrics.setDegraded('redis', false);
  input.metrics.connect({ degradedRateDecisions: () => limiter.degradedAdmissionsCount() });
  const isReachable = await connectRedisClient(client);
  if (!isReachable) input.log.warn('redis_unreachable_at_start', {});
  // Unreachable at start: degraded (readiness, the gauge) from the start, not after three failed heartbeats.
  limiter.start({ isDegraded: !isReachable });
  return {
    limiter,
    mode: () => (limiter.state() === 'ok' ? 'redis' : 'degraded'),
    // Shutdown never waits on a frozen Redis for longer than the bound (its leases expire on their own).
    close: () => withTimeout(limiter.close(), limits.redisCloseTimeoutMs),
    redis: shared,
  };
}

function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  return Promise.race([work.catch(() => undefined), bound]).finally(() => clearTimeout(timer));
}
