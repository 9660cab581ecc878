/** `open`: Redis is not called. `half-open`: one probe call is in flight; every other call still waits it out. */
export type RedisBreakerState = 'closed' | 'open' | 'half-open';

/** What `acquire` hands out: an ordinary call (breaker closed) or the one probe after a cool-down. */
export type RedisCallPermit = 'call' | 'probe';

export interface RedisBreakerOptions {
  readonly now: () => number;
  /** Consecutive failures (closed state) that open the breaker. */
  readonly failuresMax: number;
  /** Time open before the next call becomes the probe. */
  readonly coolDownMs: number;
  /** Told on every change of state (logs, readiness, flushing work kept while open). */
  readonly onStateChange?: (state: RedisBreakerState) => void;
}

export interface RedisBreaker {
  /** A permit to call Redis now, or undefined: open, or half-open with the probe in flight. */
  acquire(): RedisCallPermit | undefined;
  /** Every acquired permit ends in exactly one of these (Redis calls always settle: the command timeout bounds them). */
  recordSuccess(permit: RedisCallPermit): void;
  recordFailure(permit: RedisCallPermit): void;
  /** Opens now, as if `failuresMax` calls had failed (Redis already known to be unreachable, e.g. at start). */
  trip(): void;
  state(): RedisBreakerState;
}

/**
 * The breaker in front of Redis: closed → (`failuresMax` consecutive failures) → open → (after `coolDownMs`,
 * the next call is the probe) → half-open → closed on the probe's success, open again on its failure.
 * Outcomes of ordinary calls that were in flight when the breaker opened (stragglers) change nothing: only
 * the probe decides, so a late success cannot close a breaker on a Redis that is still down.
 */
export function createRedisBreaker(options: RedisBreakerOptions): RedisBreaker {
  let current: RedisBreakerState = 'closed';
  let failures = 0;
  let openedAtMs = 0;

  function moveTo(state: RedisBreakerState): void {
    if (state === current) return;
    current = state;
    options.onStateChange?.(state);
  }

  function open(): void {
    openedAtMs = options.now();
    moveTo('open');
  }

  return {
    acquire() {
      if (current === 'closed') return 'call';
      if (current === 'open' && options.now() >= openedAtMs + options.coolDownMs) {
        moveTo('half-open');
        return 'probe';
      }
      return undefined;
    },
    recordSuccess(permit) {
      if (permit === 'probe') {
        failures = 0;
        moveTo('closed');
      } else if (current === 'closed') {
        failures = 0;
      }
    },
    recordFailure(permit) {
      if (permit === 'probe') return open();
      if (current !== 'closed') return;
      failures += 1;
      if (failures >= options.failuresMax) open();
    },
    trip: () => {
      if (current === 'closed') open();
    },
    state: () => current,
  };
}
