import type { EndpointHealthSnapshot, FailureSample, SuccessSample } from './health-types.js';
import type { ResolvedHealthOptions } from './health-defaults.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createSampleRing } from './sample-ring.js';
import { createUptimeCounter } from './uptime-counter.js';

/** Everything the tracker keeps about one endpoint: a small constant amount of memory. */
export interface EndpointHealth {
  isAvailable(nowMs: number): boolean;
  tryAdmit(nowMs: number): boolean;
  recordSuccess(sample: SuccessSample): void;
  recordFailure(sample: FailureSample): void;
  /** Frees the probe slot; the contract gives no time, so it does not count as activity. */
  release(): void;
  medianTtftMs(nowMs: number): number | undefined;
  medianTokensPerSecond(nowMs: number): number | undefined;
  snapshot(nowMs: number): EndpointHealthSnapshot;
  /** Forgettable: no admission, outcome or release since `cutoffMs` and no `Retry-After` running. */
  isIdleSince(cutoffMs: number, nowMs: number): boolean;
}

/** A measurement worth keeping: finite and not negative (anything else is a measuring bug, dropped). */
const isMeasurement = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value) && value >= 0;

/** One endpoint's breaker, uptime rings, sample rings and `Retry-After` deadline. */
export function createEndpointHealth(options: ResolvedHealthOptions, createdMs: number): EndpointHealth {
  const breaker = createCircuitBreaker({
    windowMs: options.breakerWindowMs,
    bucketMs: options.breakerBucketMs,
    minimumRequests: options.minimumRequests,
    failureRateThreshold: options.failureRateThreshold,
    cooldownBaseMs: options.cooldownBaseMs,
    cooldownMaxMs: options.cooldownMaxMs,
    probeLeaseMs: options.probeLeaseMs,
  });
  const uptime = createUptimeCounter();
  const ring = { capacity: options.sampleCapacity, maxAgeMs: options.sampleMaxAgeMs };
  const ttftMs = createSampleRing(ring);
  const tokensPerSecond = createSampleRing(ring);
  let retryAfterUntilMs = -Infinity;
  let lastActivityMs = createdMs;
  const touch = (nowMs: number): void => {
    lastActivityMs = Math.max(lastActivityMs, nowMs);
  };
  const isAvailable = (nowMs: number): boolean => nowMs >= retryAfterUntilMs && breaker.isAdmitting(nowMs);

  return {
    isAvailable,
    tryAdmit(nowMs) {
      touch(nowMs);
      return isAvailable(nowMs) && breaker.tryAdmit(nowMs);
    },
    recordSuccess(sample) {
      touch(sample.nowMs);
      breaker.recordSuccess(sample.nowMs);
      uptime.add(sample.nowMs, true);
      if (isMeasurement(sample.ttftMs)) ttftMs.add(sample.nowMs, sample.ttftMs);
      if (isMeasurement(sample.tokensPerSecond)) tokensPerSecond.add(sample.nowMs, sample.tokensPerSecond);
    },
    recordFailure(sample) {
      touch(sample.nowMs);
      const isRateLimit = sample.kind === 'rate-limited';
      breaker.recordFailure(sample.nowMs, !isRateLimit || options.rateLimitsCountAsFailures);
      uptime.add(sample.nowMs, false);
      if (isMeasurement(sample.retryAfterMs)) {
        retryAfterUntilMs = Math.max(retryAfterUntilMs, sample.nowMs + sample.retryAfterMs);
      }
    },
    release: () => breaker.release(),
    medianTtftMs: (nowMs) => ttftMs.percentiles(nowMs)?.p50,
    medianTokensPerSecond: (nowMs) => tokensPerSecond.percentiles(nowMs)?.p50,
    snapshot(nowMs) {
      const window = breaker.windowCounts(nowMs);
      return {
        circuit: breaker.state(nowMs),
        uptime: uptime.uptime(nowMs),
        recentRequests: window.successes + window.failures,
        recentFailures: window.failures,
        ttftMs: ttftMs.percentiles(nowMs),
        tokensPerSecond: tokensPerSecond.percentiles(nowMs),
        unavailableUntilMs: latest(
          nowMs < retryAfterUntilMs ? retryAfterUntilMs : undefined,
          breaker.openUntilMs(nowMs),
        ),
      };
    },
    isIdleSince: (cutoffMs, nowMs) => lastActivityMs < cutoffMs && nowMs >= retryAfterUntilMs,
  };
}

function latest(left: number | undefined, right: number | undefined): number | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return Math.max(left, right);
}
