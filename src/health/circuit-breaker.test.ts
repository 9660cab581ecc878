import { describe, expect, it } from 'vitest';
import { createHealthTracker } from './create-health-tracker.js';
import { healthDefaults } from './health-defaults.js';
import { failMany, key, succeedMany } from './test-support.js';

/** Opens the circuit at `nowMs` with 10 failures; returns the tracker. */
function trippedAt(nowMs: number) {
  const tracker = createHealthTracker();
  expect(failMany(tracker, nowMs, 10)).toBe(10);
  expect(tracker.snapshot(key, nowMs).circuit).toBe('open');
  return tracker;
}

describe('circuit breaker: opening', () => {
  it('stays closed after 9 failures of 9 requests (below the minimum)', () => {
    const tracker = createHealthTracker();
    expect(failMany(tracker, 1_000, 9)).toBe(9);
    expect(tracker.snapshot(key, 1_000)).toMatchObject({ circuit: 'closed', recentRequests: 9, recentFailures: 9 });
    expect(tracker.isAvailable(key, 1_000)).toBe(true);
  });

  it('opens at 10 requests with 5 failing, whichever outcome comes tenth', () => {
    const failuresLast = createHealthTracker();
    succeedMany(failuresLast, 1_000, 5);
    failMany(failuresLast, 1_000, 4);
    expect(failuresLast.snapshot(key, 1_000).circuit).toBe('closed');
    failMany(failuresLast, 1_000, 1);
    expect(failuresLast.snapshot(key, 1_000).circuit).toBe('open');

    const successLast = createHealthTracker();
    failMany(successLast, 1_000, 5);
    succeedMany(successLast, 1_000, 4);
    expect(successLast.snapshot(key, 1_000).circuit).toBe('closed');
    succeedMany(successLast, 1_000, 1);
    expect(successLast.snapshot(key, 1_000).circuit).toBe('open');
  });

  it('stays closed at 10 requests with 4 failing', () => {
    const tracker = createHealthTracker();
    succeedMany(tracker, 1_000, 6);
    failMany(tracker, 1_000, 4);
    expect(tracker.snapshot(key, 1_000)).toMatchObject({ circuit: 'closed', recentRequests: 10, recentFailures: 4 });
  });

  it('stays closed on one error among many successes', () => {
    const tracker = createHealthTracker();
    succeedMany(tracker, 1_000, 50);
    failMany(tracker, 2_000, 1);
    succeedMany(tracker, 3_000, 50);
    expect(tracker.snapshot(key, 3_000)).toMatchObject({ circuit: 'closed', recentRequests: 101, recentFailures: 1 });
  });

  it('does not count failures that left the 60 s window', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 5);
    failMany(tracker, 60_000, 5);
    expect(tracker.snapshot(key, 60_000)).toMatchObject({ circuit: 'closed', recentRequests: 5, recentFailures: 5 });
  });

  it('counts failures still inside the 60 s window', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 5);
    failMany(tracker, 59_999, 5);
    expect(tracker.snapshot(key, 59_999).circuit).toBe('open');
  });
});

describe('circuit breaker: cooldown and probes', () => {
  it('cools down 15 s → 30 s → 60 s → 120 s → 240 s → 300 s → 300 s on consecutive re-opens', () => {
    const tracker = trippedAt(0);
    let openedMs = 0;
    for (const cooldownMs of [15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000]) {
      const endsMs = openedMs + cooldownMs;
      expect(tracker.snapshot(key, openedMs).unavailableUntilMs).toBe(endsMs);
      expect(tracker.isAvailable(key, endsMs - 1)).toBe(false);
      expect(tracker.tryAdmit(key, endsMs - 1)).toBe(false);
      expect(tracker.snapshot(key, endsMs - 1).circuit).toBe('open');
      expect(tracker.snapshot(key, endsMs).circuit).toBe('half-open');
      expect(tracker.isAvailable(key, endsMs)).toBe(true);
      expect(tracker.tryAdmit(key, endsMs)).toBe(true);
      tracker.recordFailure(key, { nowMs: endsMs, kind: 'timeout' });
      openedMs = endsMs;
    }
  });

  it('admits exactly one probe in half-open', () => {
    const tracker = trippedAt(0);
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
    expect(tracker.isAvailable(key, 15_000)).toBe(false);
    expect([1, 2, 3].map((offsetMs) => tracker.tryAdmit(key, 15_000 + offsetMs))).toEqual([false, false, false]);
    expect(tracker.snapshot(key, 15_010)).toMatchObject({ circuit: 'half-open', unavailableUntilMs: undefined });
  });

  it('closes on a probe success, resetting the window and the cooldown exponent', () => {
    const tracker = trippedAt(0);
    tracker.tryAdmit(key, 15_000);
    tracker.recordFailure(key, { nowMs: 15_000, kind: 'connection' });
    tracker.tryAdmit(key, 45_000);
    tracker.recordSuccess(key, { nowMs: 45_000, ttftMs: 300, tokensPerSecond: 50 });
    expect(tracker.snapshot(key, 45_000)).toMatchObject({ circuit: 'closed', recentRequests: 0, recentFailures: 0 });
    expect(tracker.isAvailable(key, 45_000)).toBe(true);
    expect(failMany(tracker, 46_000, 10)).toBe(10);
    expect(tracker.snapshot(key, 46_000)).toMatchObject({ circuit: 'open', unavailableUntilMs: 61_000 });
  });

  it('re-opens on a probe failure with the doubled cooldown', () => {
    const tracker = trippedAt(0);
    tracker.tryAdmit(key, 20_000);
    tracker.recordFailure(key, { nowMs: 20_000, kind: 'stream-error' });
    expect(tracker.snapshot(key, 20_000)).toMatchObject({ circuit: 'open', unavailableUntilMs: 50_000 });
  });

  it('frees the probe slot on release without a verdict', () => {
    const tracker = trippedAt(0);
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
    tracker.release(key);
    expect(tracker.snapshot(key, 15_000).circuit).toBe('half-open');
    expect(tracker.isAvailable(key, 15_000)).toBe(true);
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
    expect(tracker.tryAdmit(key, 15_000)).toBe(false);
  });

  it('ignores release while closed and for unknown keys', () => {
    const tracker = createHealthTracker();
    tracker.release('never/seen');
    tracker.release(key);
    succeedMany(tracker, 0, 1);
    tracker.release(key);
    expect(tracker.snapshot(key, 0)).toMatchObject({ circuit: 'closed', recentRequests: 1 });
  });

  it('lets stragglers admitted before the trip change nothing while no probe is in flight', () => {
    const tracker = trippedAt(0);
    tracker.recordSuccess(key, { nowMs: 5_000, ttftMs: undefined, tokensPerSecond: undefined });
    tracker.recordFailure(key, { nowMs: 6_000, kind: 'timeout' });
    expect(tracker.snapshot(key, 6_000)).toMatchObject({ circuit: 'open', unavailableUntilMs: 15_000 });
    tracker.recordSuccess(key, { nowMs: 15_000, ttftMs: undefined, tokensPerSecond: undefined });
    expect(tracker.snapshot(key, 15_000).circuit).toBe('half-open');
  });

  it('frees a probe slot that never reports after probeLeaseMs', () => {
    const tracker = trippedAt(0);
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
    expect(tracker.tryAdmit(key, 15_000 + healthDefaults.probeLeaseMs - 1)).toBe(false);
    expect(tracker.tryAdmit(key, 15_000 + healthDefaults.probeLeaseMs)).toBe(true);
  });
});

describe('circuit breaker: rate limits', () => {
  it('counts rate limits as failures by default', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 10, 'rate-limited');
    expect(tracker.snapshot(key, 0)).toMatchObject({ circuit: 'open', recentFailures: 10 });
  });

  it('leaves rate limits out of the breaker (but not uptime) when rateLimitsCountAsFailures is false', () => {
    const tracker = createHealthTracker({ rateLimitsCountAsFailures: false });
    failMany(tracker, 0, 20, 'rate-limited');
    expect(tracker.snapshot(key, 0)).toMatchObject({
      circuit: 'closed',
      recentRequests: 0,
      recentFailures: 0,
      uptime: { last5m: 0, last30m: 0, last1d: 0 },
    });
  });

  it('only frees the probe slot when a probe is rate limited and rate limits do not count', () => {
    const tracker = createHealthTracker({ rateLimitsCountAsFailures: false });
    failMany(tracker, 0, 10);
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
    tracker.recordFailure(key, { nowMs: 15_000, kind: 'rate-limited' });
    expect(tracker.snapshot(key, 15_000).circuit).toBe('half-open');
    expect(tracker.tryAdmit(key, 15_000)).toBe(true);
  });
});
