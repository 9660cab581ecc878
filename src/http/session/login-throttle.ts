/** Sign-in failures are counted over any 60 s (a sliding window: no burst at a minute boundary). */
export const loginWindowMs = 60_000;

export type LoginAdmission =
  | {
      readonly ok: true;
      /** The attempt signed in: it no longer counts as a failure. */
      readonly succeed: () => void;
    }
  | { readonly ok: false; readonly retryAfterSeconds: number };

export interface LoginThrottle {
  /**
   * Admits one sign-in attempt from an address now, or says when it may try again. An admitted attempt counts
   * as a failure at once, until `succeed()`: concurrent attempts cannot all pass before the first one fails.
   */
  admit(address: string, nowMs: number): LoginAdmission;
}

export interface LoginThrottleOptions {
  /** Attempts that did not succeed, per address within {@link loginWindowMs}. */
  readonly failuresMax: number;
  /** Addresses remembered; at the bound the oldest is forgotten. */
  readonly addressesMax: number;
}

/**
 * Bounds key guessing through `POST /v1/dashboard/login`: per address, at most `failuresMax` unsuccessful
 * attempts in any {@link loginWindowMs}; then 429 until the oldest leaves the window, even for a right key
 * (otherwise the answer would still tell a right guess). In memory per node; time is passed in.
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { failuresMax, addressesMax } = options;
  if (!Number.isInteger(failuresMax) || failuresMax < 1 || !Number.isInteger(addressesMax) || addressesMax < 1) {
    throw new RangeError('The sign-in throttle needs integer failuresMax ≥ 1 and addressesMax ≥ 1.');
  }
  /** Address → times of its failures in the window, oldest first (at most `failuresMax`). */
  const failures = new Map<string, number[]>();

  function readFailures(address: string, nowMs: number): number[] {
    let times = failures.get(address);
    if (times === undefined) {
      if (failures.size >= addressesMax) forgetAddresses(nowMs);
      times = [];
      failures.set(address, times);
    }
    while (times.length > 0 && times[0]! <= nowMs - loginWindowMs) times.shift();
    return times;
  }

  function forgetAddresses(nowMs: number): void {
    for (const [address, times] of failures) {
      if (times.length === 0 || times[times.length - 1]! <= nowMs - loginWindowMs) failures.delete(address);
    }
    while (failures.size >= addressesMax) {
      const oldest = failures.keys().next();
      if (oldest.done === true) break;
      failures.delete(oldest.value);
    }
  }

  return {
    admit(address, nowMs) {
      const times = readFailures(address, nowMs);
      if (times.length >= failuresMax) {
        const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + loginWindowMs - nowMs) / 1000));
        return { ok: false, retryAfterSeconds };
      }
      times.push(nowMs);
      let isSettled = false;
      return {
        ok: true,
        succeed: () => {
          if (isSettled) return;
          isSettled = true;
          const index = times.indexOf(nowMs);
          if (index !== -1) times.splice(index, 1);
        },
      };
    },
  };
}
