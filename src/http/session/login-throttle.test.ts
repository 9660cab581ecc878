import { describe, expect, it } from 'vitest';
import { createLoginThrottle, loginWindowMs } from './login-throttle.js';
import type { LoginThrottle } from './login-throttle.js';

/** Fails `count` attempts from an address at `atMs`; returns whether each was admitted. */
function fail(throttle: LoginThrottle, address: string, atMs: number, count = 1): boolean[] {
  return Array.from({ length: count }, () => throttle.admit(address, atMs).ok);
}

describe('createLoginThrottle', () => {
  it('admits failuresMax unsuccessful attempts per address, then refuses with the wait until the oldest ages out', () => {
    const throttle = createLoginThrottle({ failuresMax: 3, addressesMax: 10 });
    expect(fail(throttle, '192.0.2.1', 1_000)).toEqual([true]);
    expect(fail(throttle, '192.0.2.1', 5_000, 2)).toEqual([true, true]);
    expect(throttle.admit('192.0.2.1', 5_000)).toEqual({ ok: false, retryAfterSeconds: 56 });
    expect(throttle.admit('192.0.2.1', 60_500)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // The first failure leaves the window at 61 000: one more attempt, then refused until 65 000.
    expect(fail(throttle, '192.0.2.1', 61_000)).toEqual([true]);
    expect(throttle.admit('192.0.2.1', 61_000)).toEqual({ ok: false, retryAfterSeconds: 4 });
  });

  it('counts every address on its own', () => {
    const throttle = createLoginThrottle({ failuresMax: 2, addressesMax: 10 });
    expect(fail(throttle, '192.0.2.1', 0, 3)).toEqual([true, true, false]);
    expect(fail(throttle, '192.0.2.2', 0, 3)).toEqual([true, true, false]);
  });

  it('does not count an attempt that succeeded (once)', () => {
    const throttle = createLoginThrottle({ failuresMax: 2, addressesMax: 10 });
    for (let index = 0; index < 5; index += 1) {
      const admission = throttle.admit('192.0.2.1', index);
      if (!admission.ok) throw new Error('refused');
      admission.succeed();
      admission.succeed();
    }
    expect(fail(throttle, '192.0.2.1', 10, 3)).toEqual([true, true, false]);
  });

  it('counts concurrent attempts before any of them fails', () => {
    const throttle = createLoginThrottle({ failuresMax: 2, addressesMax: 10 });
    const pending = [0, 1, 2].map(() => throttle.admit('192.0.2.1', 0));
    expect(pending.map((admission) => admission.ok)).toEqual([true, true, false]);
  });

  it('keeps at most addressesMax addresses, forgetting ended windows first, then the oldest', () => {
    const throttle = createLoginThrottle({ failuresMax: 1, addressesMax: 2 });
    fail(throttle, 'a', 0);
    fail(throttle, 'b', loginWindowMs);
    // 'a' has aged out: it is forgotten and 'b' stays refused.
    fail(throttle, 'c', loginWindowMs);
    expect(throttle.admit('b', loginWindowMs).ok).toBe(false);
    // Both 'b' and 'c' are live: the oldest ('b') is forgotten to make room.
    fail(throttle, 'd', loginWindowMs);
    expect(throttle.admit('c', loginWindowMs).ok).toBe(false);
    expect(throttle.admit('b', loginWindowMs).ok).toBe(true);
  });

  it.each([
    [{ failuresMax: 0, addressesMax: 1 }],
    [{ failuresMax: 1, addressesMax: 0 }],
    [{ failuresMax: 1.5, addressesMax: 1 }],
  ])('refuses unusable options %j', (options) => {
    expect(() => createLoginThrottle(options)).toThrow(RangeError);
  });
});
