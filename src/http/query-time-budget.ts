import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';

/**
 * Event-loop time for work anyone may ask for without a key (the public barometer's queries, which run on the event
 * loop with SQLite): a bucket of milliseconds that refills at `msPerSecond` up to `burstMs`. An answer pays what it
 * took, after the fact, so the bucket may go below zero; while it is not above zero, requests are refused until it
 * is. Over any long stretch such work takes at most `msPerSecond` of every second, whatever is asked.
 */
export interface QueryTimeBudget {
  /** Undefined when a query may run now; else the whole seconds until one may (at least 1). */
  refusal(): number | undefined;
  /** A query took `ms`. */
  spend(ms: number): void;
}

export function createQueryTimeBudget(options: {
  readonly msPerSecond: number;
  readonly burstMs: number;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
}): QueryTimeBudget {
  const { msPerSecond, burstMs, now } = options;
  let levelMs = burstMs;
  let updatedAtMs = now();
  const refill = (): void => {
    const nowMs = now();
    levelMs = Math.min(burstMs, levelMs + ((nowMs - updatedAtMs) * msPerSecond) / 1_000);
    updatedAtMs = nowMs;
  };
  return {
    refusal: () => {
      refill();
      return levelMs > 0 ? undefined : Math.max(1, Math.ceil((-levelMs + 1) / msPerSecond));
    },
    spend: (ms) => {
      refill();
      levelMs -= ms;
    },
  };
}

/**
 * Answers a keyless request if the budget has time left, and charges it what the answer took; else 429
 * `rate_limited` with Retry-After (a request with a key is not asked to wait).
 */
export async function answerWithinBudget(
  budget: QueryTimeBudget,
  answer: () => Promise<void>,
  now: () => number = () => performance.now(),
): Promise<void> {
  const retryAfterSeconds = budget.refusal();
  if (retryAfterSeconds !== undefined) {
    throw new GatewayError({
      code: 'rate_limited',
      message:
        `The public barometer is busy: keyless queries may take ${limits.publicBarometerQueryMsPerSecond} ms of ` +
        `every second on this node. Retry after ${retryAfterSeconds} s, or ask with an API key.`,
      retryAfterSeconds,
      isRetryable: true,
    });
  }
  const startedAtMs = now();
  try {
    await answer();
  } finally {
    budget.spend(now() - startedAtMs);
  }
}
