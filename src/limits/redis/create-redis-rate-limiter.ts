import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { limits } from '../../config/index.js';
import type { KeyRateLimits } from '../../storage/index.js';
import { createRateLimiter } from '../create-rate-limiter.js';
import type { RateAdmission, RateDecision } from '../create-rate-limiter.js';
import { currentRateWindow } from '../current-rate-window.js';
import { renderRateLimitHeaders } from '../render-rate-limit-headers.js';
import { createRedisBreaker } from './create-redis-breaker.js';
import type { RedisBreakerState, RedisCallPermit } from './create-redis-breaker.js';
import { createReleaseSender } from './create-release-sender.js';
import { divideLimitsByNodes } from './divide-limits-by-nodes.js';
import { redisNodesKey, redisRateKeys } from './redis-rate-keys.js';
import type { RedisRateKeys } from './redis-rate-keys.js';
import { defineRedisRateScripts } from './redis-rate-scripts.js';

/** `degraded`: Redis is not being used (breaker open or probing); limits are divided by the live nodes. */
export type RateLimiterState = 'ok' | 'degraded';

export interface RedisRateLimiterOptions {
  /** From `createRedisClient`; the limiter owns it from now on (`close` disconnects it). */
  readonly redis: Redis;
  /** Config `redis.key_prefix` (no braces: they would change the Redis Cluster hash slot). */
  readonly keyPrefix: string;
  /** Config `cluster.node_id`: this node's name in the heartbeat set. */
  readonly nodeId: string;
  /** Config `cluster.nodes_expected`: pins the divisor of degraded limits instead of the heartbeat count. */
  readonly nodesExpected?: number | undefined;
  readonly now: () => number;
  /** Told when the limiter becomes degraded or ok again (logs; readiness reads `state()`). */
  readonly onStateChange?: (state: RateLimiterState) => void;
}

/** The cluster-mode limiter; its `admit` has the shape `RateLimiter.admit` takes once the pipeline awaits it. */
export interface RedisRateLimiter {
  admit(keyId: string, limits: KeyRateLimits, estimatedTokens: number): RateAdmission;
  state(): RateLimiterState;
  /** Decisions (admitted or refused) taken by the degraded local limits since start: a metric. */
  degradedAdmissionsCount(): number;
  /** The divisor of degraded limits: `nodesExpected`, else the last heartbeat count read, else 1. */
  liveNodesCount(): number;
  /** Writes this node's heartbeat and reads the live node count (through the breaker). */
  heartbeat(): Promise<void>;
  /**
   * Heartbeats now and every `limits.redisHeartbeatIntervalMs` (the timer does not keep the process alive). Started
   * `degraded` (Redis could not be reached), it is degraded from the first call on, and its breaker probes Redis
   * after the usual cool-down, instead of waiting for failures to add up.
   */
  start(options?: { readonly isDegraded?: boolean }): void;
  /** Resolves when every release sent so far has been answered (tests; shutdown). */
  waitForReleases(): Promise<void>;
  /** Stops the heartbeat, leaves the node set, waits for releases, disconnects. */
  close(): Promise<void>;
}

/** One admission that reached (or may have reached) Redis: what its release needs. */
interface Admission {
  readonly keys: RedisRateKeys;
  readonly requestId: string;
  readonly windowIndex: number;
  readonly estimatedTokens: number;
}

const unlimited: RateDecision = Object.freeze({ ok: true, headers: Object.freeze({}), finish: () => {} });

/**
 * Cluster-wide rate limits in Redis with the in-memory limiter's semantics and headers: per key, requests and
 * tokens per UTC minute (fixed windows, exact counts) and concurrent requests, each admission one atomic
 * script, each finish a second one. Concurrency slots are leases (`limits.redisConcurrencyLeaseMs`) so a node
 * that dies mid-request frees them when they expire.
 *
 * Every Redis call goes through a breaker. When a call fails (timeout, refused connection) the request is decided
 * locally instead, by an in-memory limiter with each limit divided by the live node count; once the breaker is
 * open, admissions do not touch Redis at all (answered synchronously). Releases that cannot be sent are kept
 * (bounded) and sent when Redis answers again, so slots taken by admissions whose reply was lost are given back.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const scripts = defineRedisRateScripts(options.redis);
  const fallback = createRateLimiter({ now: options.now });
  const requestIdPrefix = `${options.nodeId}:${randomBytes(6).toString('hex')}:`;
  let sequence = 0;
  let degradedCount = 0;
  let nodesSeen: number | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;

  const breaker = createRedisBreaker({
    now: options.now,
    failuresMax: limits.redisBreakerFailuresMax,
    coolDownMs: limits.redisBreakerCoolDownMs,
    onStateChange: (state) => onBreakerChange(state),
  });

  const releases = createReleaseSender({ scripts, breaker, pendingMax: limits.redisPendingReleasesMax });

  let reportedState: RateLimiterState = 'ok';
  function onBreakerChange(state: RedisBreakerState): void {
    const limiterState: RateLimiterState = state === 'closed' ? 'ok' : 'degraded';
    if (state === 'closed') releases.flush();
    if (limiterState === reportedState) return;
    reportedState = limiterState;
    options.onStateChange?.(limiterState);
  }

  const liveNodesCount = (): number => Math.max(1, options.nodesExpected ?? nodesSeen ?? 1);

  /** The request ended with `actualTokens` (served) or was never served (`undefined`: refused locally). */
  function release(admission: Admission, actualTokens: number | undefined): void {
    const isSameWindow = currentRateWindow(options.now()).index === admission.windowIndex;
    const tokensDelta = !isSameWindow
      ? 0
      : actualTokens === undefined
        ? -admission.estimatedTokens
        : toTokenCount(actualTokens) - admission.estimatedTokens;
    const requestsDelta = isSameWindow && actualTokens === undefined ? -1 : 0;
    releases.send({ keys: admission.keys, requestId: admission.requestId, tokensDelta, requestsDelta });
  }

  function admitDegraded(
    keyId: string,
    keyLimits: KeyRateLimits,
    estimatedTokens: number,
    lost: Admission | undefined,
  ): RateDecision {
    degradedCount += 1;
    const decision = fallback.admit(keyId, divideLimitsByNodes(keyLimits, liveNodesCount()), estimatedTokens);
    if (lost === undefined) return decision;
    // The admission may still run in Redis later (a frozen server works through its socket when thawed):
    // its release undoes it, or turns it into this request's true count.
    if (!decision.ok) {
      release(lost, undefined);
      return decision;
    }
    const finish = once((actualTokens: number) => {
      decision.finish(actualTokens);
      release(lost, actualTokens);
    });
    return { ...decision, finish };
  }

  async function admitGlobal(
    permit: RedisCallPermit,
    request: { readonly keyId: string; readonly keyLimits: KeyRateLimits; readonly estimatedTokens: number },
  ): Promise<RateDecision> {
    const { keyId, keyLimits, estimatedTokens } = request;
    const nowMs = options.now();
    const window = currentRateWindow(nowMs);
    const keys = redisRateKeys(options.keyPrefix, keyId, window.index);
    sequence += 1;
    const admission: Admission = {
      keys,
      requestId: `${requestIdPrefix}${sequence}`,
      windowIndex: window.index,
      estimatedTokens,
    };
    let reply;
    try {
      reply = await scripts.admit(keys, {
        nowMs,
        requestsMax: keyLimits.requestsPerMinute ?? -1,
        tokensMax: keyLimits.tokensPerMinute ?? -1,
        concurrencyMax: keyLimits.concurrencyMax ?? -1,
        estimatedTokens,
        requestId: admission.requestId,
        leaseExpiresAtMs: nowMs + limits.redisConcurrencyLeaseMs,
        windowKeyTtlMs: limits.redisRateWindowKeyTtlMs,
        leaseMs: limits.redisConcurrencyLeaseMs,
      });
    } catch {
      breaker.recordFailure(permit);
      return admitDegraded(keyId, keyLimits, estimatedTokens, admission);
    }
    breaker.recordSuccess(permit);
    const { refusal } = reply;
    const admitted = refusal === undefined ? { requests: 1, tokens: estimatedTokens } : { requests: 0, tokens: 0 };
    const headers = renderRateLimitHeaders(reply, keyLimits, window.resetSeconds, admitted);
    if (refusal !== undefined) {
      const retryAfterSeconds = refusal === 'concurrency' ? 1 : window.resetSeconds;
      return { ok: false, kind: refusal, retryAfterSeconds, headers };
    }
    return { ok: true, headers, finish: once((actualTokens) => release(admission, actualTokens)) };
  }

  function admit(keyId: string, keyLimits: KeyRateLimits, estimatedTokens: number): RateAdmission {
    // A key without limits costs Redis nothing, like the in-memory limiter it answers at once.
    if (
      keyLimits.requestsPerMinute === null &&
      keyLimits.tokensPerMinute === null &&
      keyLimits.concurrencyMax === null
    ) {
      return unlimited;
    }
    const tokens = toTokenCount(estimatedTokens);
    const permit = breaker.acquire();
    if (permit === undefined) return admitDegraded(keyId, keyLimits, tokens, undefined);
    return admitGlobal(permit, { keyId, keyLimits, estimatedTokens: tokens });
  }

  async function heartbeat(): Promise<void> {
    const permit = breaker.acquire();
    if (permit === undefined) return;
    const nowMs = options.now();
    try {
      const count = await scripts.heartbeat(redisNodesKey(options.keyPrefix), {
        nowMs,
        nodeId: options.nodeId,
        liveSinceMs: nowMs - limits.redisNodeLiveWindowMs,
        ttlMs: limits.redisNodeLiveWindowMs,
      });
      nodesSeen = count;
      breaker.recordSuccess(permit);
    } catch {
      breaker.recordFailure(permit);
    }
  }

  async function close(): Promise<void> {
    if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
    heartbeatTimer = undefined;
    // Leave the node set at once, so the others' degraded share grows now rather than after the live window.
    if (breaker.state() === 'closed') {
      await options.redis.zrem(redisNodesKey(options.keyPrefix), options.nodeId).catch(() => 0);
    }
    await releases.waitForIdle();
    options.redis.disconnect();
  }

  return {
    admit,
    state: () => (breaker.state() === 'closed' ? 'ok' : 'degraded'),
    degradedAdmissionsCount: () => degradedCount,
    liveNodesCount,
    heartbeat,
    start(startOptions) {
      if (heartbeatTimer !== undefined) return;
      if (startOptions?.isDegraded === true) breaker.trip();
      void heartbeat();
      heartbeatTimer = setInterval(() => void heartbeat(), limits.redisHeartbeatIntervalMs);
      heartbeatTimer.unref();
    },
    waitForReleases: () => releases.waitForIdle(),
    close,
  };
}

/** Token counts are whole and non-negative in Redis (INCRBY takes integers). */
function toTokenCount(tokens: number): number {
  return Number.isFinite(tokens) ? Math.max(0, Math.round(tokens)) : 0;
}

/** `finish` may be called more than once by a caller's cleanup paths; only the first call counts. */
function once(finish: (actualTokens: number) => void): (actualTokens: number) => void {
  let isFinished = false;
  return (actualTokens) => {
    if (isFinished) return;
    isFinished = true;
    finish(actualTokens);
  };
}
