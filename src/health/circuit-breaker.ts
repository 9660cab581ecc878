import type { CircuitState } from './health-types.js';
import type { OutcomeCounts } from './rolling-counter.js';
import { createRollingCounter } from './rolling-counter.js';

export interface CircuitBreakerOptions {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly minimumRequests: number;
  readonly failureRateThreshold: number;
  readonly cooldownBaseMs: number;
  readonly cooldownMaxMs: number;
  readonly probeLeaseMs: number;
}

/** One endpoint's breaker: closed → open (cooldown) → half-open (one probe) → closed or open again. */
export interface CircuitBreaker {
  state(nowMs: number): CircuitState;
  /** Closed, or half-open with the probe slot free. */
  isAdmitting(nowMs: number): boolean;
  /** Admits when `isAdmitting`; in half-open the admitted attempt takes the probe slot. */
  tryAdmit(nowMs: number): boolean;
  recordSuccess(nowMs: number): void;
  /**
   * `countsTowardOpening` false (a rate limit, when so configured): not counted in the window,
   * opens nothing, and a probe ending this way only frees its slot, like `release`.
   */
  recordFailure(nowMs: number, countsTowardOpening: boolean): void;
  release(): void;
  /** While open: when the cooldown ends. Otherwise undefined. */
  openUntilMs(nowMs: number): number | undefined;
  windowCounts(nowMs: number): OutcomeCounts;
}

/**
 * State lives in closure locals. `isTripped` false is closed; true is open before
 * `cooldownEndsMs` and half-open from then on. Outcomes carry no attempt identity, so
 * while a probe is in flight the first verdict to arrive is taken as the probe's.
 * Outcomes of attempts admitted before the circuit opened (stragglers) are counted but
 * change no state while no probe is in flight.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const window = createRollingCounter({
    bucketMs: options.bucketMs,
    bucketCount: options.windowMs / options.bucketMs,
  });
  let isTripped = false;
  let cooldownEndsMs = 0;
  let consecutiveOpens = 0;
  let probeStartedMs: number | undefined;

  const isProbeInFlight = (nowMs: number): boolean =>
    probeStartedMs !== undefined && nowMs < probeStartedMs + options.probeLeaseMs;

  const open = (nowMs: number): void => {
    consecutiveOpens += 1;
    const cooldownMs = Math.min(options.cooldownMaxMs, options.cooldownBaseMs * 2 ** (consecutiveOpens - 1));
    isTripped = true;
    cooldownEndsMs = nowMs + cooldownMs;
    probeStartedMs = undefined;
  };

  const close = (): void => {
    isTripped = false;
    consecutiveOpens = 0;
    probeStartedMs = undefined;
    window.reset();
  };

  const shouldOpen = (nowMs: number): boolean => {
    const { successes, failures } = window.totals(nowMs);
    const requests = successes + failures;
    return requests >= options.minimumRequests && failures / requests >= options.failureRateThreshold;
  };

  const state = (nowMs: number): CircuitState => {
    if (!isTripped) return 'closed';
    return nowMs < cooldownEndsMs ? 'open' : 'half-open';
  };

  const isAdmitting = (nowMs: number): boolean => {
    const current = state(nowMs);
    return current === 'closed' || (current === 'half-open' && !isProbeInFlight(nowMs));
  };

  return {
    state,
    isAdmitting,
    tryAdmit(nowMs) {
      if (!isAdmitting(nowMs)) return false;
      if (isTripped) probeStartedMs = nowMs;
      return true;
    },
    recordSuccess(nowMs) {
      window.add(nowMs, true);
      if (isTripped) {
        if (probeStartedMs !== undefined) close();
        return;
      }
      // A success cannot raise the failure rate, but it can bring the count up to the minimum.
      if (shouldOpen(nowMs)) open(nowMs);
    },
    recordFailure(nowMs, countsTowardOpening) {
      if (!countsTowardOpening) {
        probeStartedMs = undefined;
        return;
      }
      window.add(nowMs, false);
      if (isTripped) {
        if (probeStartedMs !== undefined) open(nowMs);
        return;
      }
      if (shouldOpen(nowMs)) open(nowMs);
    },
    release() {
      probeStartedMs = undefined;
    },
    openUntilMs(nowMs) {
      return state(nowMs) === 'open' ? cooldownEndsMs : undefined;
    },
    windowCounts: (nowMs) => window.totals(nowMs),
  };
}
