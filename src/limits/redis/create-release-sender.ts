import type { RedisBreaker } from './create-redis-breaker.js';
import type { RedisRateKeys } from './redis-rate-keys.js';
import type { RedisRateScripts, ReleaseScriptArguments } from './redis-rate-scripts.js';

/** The end of one request as the release script takes it. */
export interface RateRelease extends ReleaseScriptArguments {
  readonly keys: RedisRateKeys;
}

export interface ReleaseSender {
  /** Sends now when the breaker allows, else keeps it for `flush`. Never throws, never rejects. */
  send(release: RateRelease): void;
  /** Sends everything kept (the breaker closed again). */
  flush(): void;
  /** Resolves when every release sent so far has been answered or has failed. */
  waitForIdle(): Promise<void>;
}

/**
 * Releases (concurrency slot back, token and request corrections) that go through the breaker. A release
 * that cannot be sent, or fails, is kept — at most `pendingMax`, the oldest dropped first (its lease then
 * expires on its own) — and sent again on `flush`. Sending one twice is harmless: the script applies its
 * corrections only when it removes the lease.
 */
export function createReleaseSender(options: {
  readonly scripts: RedisRateScripts;
  readonly breaker: RedisBreaker;
  readonly pendingMax: number;
}): ReleaseSender {
  const pending: RateRelease[] = [];
  const inFlight = new Set<Promise<void>>();

  function keep(release: RateRelease): void {
    if (pending.length >= options.pendingMax) pending.shift();
    pending.push(release);
  }

  function send(release: RateRelease): void {
    const permit = options.breaker.acquire();
    if (permit === undefined) return keep(release);
    const task = options.scripts.release(release.keys, release).then(
      () => options.breaker.recordSuccess(permit),
      () => {
        options.breaker.recordFailure(permit);
        keep(release);
      },
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  return {
    send,
    flush: () => {
      for (const release of pending.splice(0)) send(release);
    },
    waitForIdle: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
