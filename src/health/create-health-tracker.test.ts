import { describe, expect, it } from 'vitest';
import { createHealthTracker } from './create-health-tracker.js';
import type { EndpointHealthSnapshot } from './health-types.js';
import { failMany, key } from './test-support.js';

const dayMs = 24 * 60 * 60_000;

const unseen: EndpointHealthSnapshot = {
  circuit: 'closed',
  uptime: { last5m: undefined, last30m: undefined, last1d: undefined },
  recentRequests: 0,
  recentFailures: 0,
  ttftMs: undefined,
  tokensPerSecond: undefined,
  unavailableUntilMs: undefined,
};

describe('createHealthTracker: Retry-After', () => {
  it('keeps a rate-limited endpoint unavailable for exactly retryAfterMs', () => {
    const tracker = createHealthTracker();
    expect(tracker.tryAdmit(key, 1_000)).toBe(true);
    tracker.recordFailure(key, { nowMs: 1_000, kind: 'rate-limited', retryAfterMs: 2_000 });
    expect(tracker.isAvailable(key, 2_999)).toBe(false);
    expect(tracker.tryAdmit(key, 2_999)).toBe(false);
    expect(tracker.snapshot(key, 2_999)).toMatchObject({ circuit: 'closed', unavailableUntilMs: 3_000 });
    expect(tracker.isAvailable(key, 3_000)).toBe(true);
    expect(tracker.snapshot(key, 3_000).unavailableUntilMs).toBeUndefined();
    expect(tracker.tryAdmit(key, 3_000)).toBe(true);
  });

  it('keeps the latest of overlapping holds, and honours Retry-After on any failure kind', () => {
    const tracker = createHealthTracker();
    tracker.recordFailure(key, { nowMs: 0, kind: 'server-error', retryAfterMs: 10_000 });
    tracker.recordFailure(key, { nowMs: 1_000, kind: 'rate-limited', retryAfterMs: 1_000 });
    expect(tracker.isAvailable(key, 9_999)).toBe(false);
    expect(tracker.isAvailable(key, 10_000)).toBe(true);
  });

  it('ignores a negative or non-finite retryAfterMs', () => {
    const tracker = createHealthTracker();
    tracker.recordFailure(key, { nowMs: 0, kind: 'rate-limited', retryAfterMs: -5 });
    tracker.recordFailure(key, { nowMs: 0, kind: 'rate-limited', retryAfterMs: Number.NaN });
    tracker.recordFailure(key, { nowMs: 0, kind: 'rate-limited', retryAfterMs: Infinity });
    expect(tracker.isAvailable(key, 0)).toBe(true);
  });

  it('reports the later of an open cooldown and a running Retry-After', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 10);
    tracker.tryAdmit(key, 15_000);
    tracker.recordFailure(key, { nowMs: 15_000, kind: 'rate-limited', retryAfterMs: 60_000 });
    expect(tracker.snapshot(key, 15_000)).toMatchObject({ circuit: 'open', unavailableUntilMs: 75_000 });
    expect(tracker.snapshot(key, 45_000)).toMatchObject({ circuit: 'half-open', unavailableUntilMs: 75_000 });
    expect(tracker.isAvailable(key, 74_999)).toBe(false);
    expect(tracker.isAvailable(key, 75_000)).toBe(true);
  });
});

describe('createHealthTracker: snapshots and measurements', () => {
  it('answers for an endpoint never seen: closed, undefined, zero counts', () => {
    const tracker = createHealthTracker();
    expect(tracker.snapshot('nobody/nothing', 5_000)).toEqual(unseen);
    expect(tracker.isAvailable('nobody/nothing', 5_000)).toBe(true);
    expect(tracker.measuredLatencyMs('nobody/nothing', 5_000)).toBeUndefined();
    expect(tracker.measuredThroughput('nobody/nothing', 5_000)).toBeUndefined();
  });

  it('renders the whole snapshot', () => {
    const tracker = createHealthTracker();
    const samples = [
      { ttftMs: 400, tokensPerSecond: 20 },
      { ttftMs: 100, tokensPerSecond: undefined },
      { ttftMs: undefined, tokensPerSecond: 80 },
      { ttftMs: 250, tokensPerSecond: 40 },
    ];
    for (const [index, sample] of samples.entries()) {
      expect(tracker.tryAdmit(key, index * 1_000)).toBe(true);
      tracker.recordSuccess(key, { nowMs: index * 1_000, ...sample });
    }
    tracker.recordFailure(key, { nowMs: 4_000, kind: 'invalid-response' });
    expect(tracker.snapshot(key, 4_000)).toEqual({
      circuit: 'closed',
      uptime: { last5m: 0.8, last30m: 0.8, last1d: 0.8 },
      recentRequests: 5,
      recentFailures: 1,
      ttftMs: { p50: 250, p75: 400, p90: 400, p99: 400 },
      tokensPerSecond: { p50: 40, p75: 80, p90: 80, p99: 80 },
      unavailableUntilMs: undefined,
    });
    expect(tracker.measuredLatencyMs(key, 4_000)).toBe(250);
    expect(tracker.measuredThroughput(key, 4_000)).toBe(40);
  });

  it('drops negative and non-finite measurements', () => {
    const tracker = createHealthTracker();
    tracker.recordSuccess(key, { nowMs: 0, ttftMs: -1, tokensPerSecond: Infinity });
    tracker.recordSuccess(key, { nowMs: 0, ttftMs: Number.NaN, tokensPerSecond: -3 });
    expect(tracker.snapshot(key, 0)).toMatchObject({
      ttftMs: undefined,
      tokensPerSecond: undefined,
      recentRequests: 2,
    });
  });

  it('forgets measurements after 30 minutes', () => {
    const tracker = createHealthTracker();
    tracker.recordSuccess(key, { nowMs: 0, ttftMs: 120, tokensPerSecond: 33 });
    expect(tracker.measuredLatencyMs(key, 30 * 60_000 - 1)).toBe(120);
    expect(tracker.measuredLatencyMs(key, 30 * 60_000)).toBeUndefined();
    expect(tracker.measuredThroughput(key, 30 * 60_000)).toBeUndefined();
  });

  it('keeps endpoints apart', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 10);
    expect(tracker.isAvailable(key, 0)).toBe(false);
    expect(tracker.isAvailable('other/model', 0)).toBe(true);
    expect(tracker.tryAdmit('other/model', 0)).toBe(true);
  });
});

describe('createHealthTracker: memory and misuse', () => {
  it('forgets an endpoint idle for more than a day, and keeps one that is not', () => {
    const tracker = createHealthTracker();
    failMany(tracker, 0, 10);
    tracker.recordSuccess('busy/model', { nowMs: 0, ttftMs: undefined, tokensPerSecond: undefined });
    tracker.recordSuccess('busy/model', { nowMs: dayMs - 1, ttftMs: undefined, tokensPerSecond: undefined });
    expect(tracker.snapshot(key, dayMs).circuit).toBe('half-open');
    // The last sweep ran at dayMs - 1 (the busy success); the next may run a minute later.
    tracker.tryAdmit('busy/model', dayMs + 59_998);
    expect(tracker.snapshot(key, dayMs + 59_998).circuit).toBe('half-open');
    tracker.tryAdmit('busy/model', dayMs + 59_999);
    expect(tracker.snapshot(key, dayMs + 59_999)).toEqual(unseen);
    expect(tracker.snapshot('busy/model', dayMs + 59_999).uptime.last1d).toBe(1);
  });

  it('sweeps for idle endpoints at most once per evictionSweepIntervalMs', () => {
    const tracker = createHealthTracker({ idleEvictionMs: 1_000, evictionSweepIntervalMs: 10_000 });
    failMany(tracker, 0, 10);
    tracker.tryAdmit('other/model', 5_000);
    expect(tracker.snapshot(key, 5_000).circuit).toBe('open');
    tracker.tryAdmit('other/model', 10_000);
    expect(tracker.snapshot(key, 10_000)).toEqual(unseen);
  });

  it('keeps an idle endpoint while its Retry-After runs', () => {
    const tracker = createHealthTracker({ idleEvictionMs: 1_000 });
    tracker.recordFailure(key, { nowMs: 0, kind: 'rate-limited', retryAfterMs: 120_000 });
    tracker.tryAdmit('other/model', 60_000);
    expect(tracker.isAvailable(key, 60_000)).toBe(false);
  });

  it('refuses a non-finite time', () => {
    const tracker = createHealthTracker();
    expect(() => tracker.tryAdmit(key, Number.NaN)).toThrow(/finite nowMs/);
    expect(() => tracker.isAvailable(key, Infinity)).toThrow(/finite nowMs/);
  });

  it.each([
    [{ minimumRequests: 0 }, /minimumRequests/],
    [{ failureRateThreshold: 0 }, /failureRateThreshold/],
    [{ failureRateThreshold: 1.5 }, /failureRateThreshold/],
    [{ breakerWindowMs: 60_500 }, /breakerWindowMs/],
    [{ cooldownBaseMs: 10_000, cooldownMaxMs: 5_000 }, /cooldownMaxMs/],
    [{ sampleCapacity: 2.5 }, /sampleCapacity/],
    [{ probeLeaseMs: Number.NaN }, /probeLeaseMs/],
  ])('rejects invalid options %o', (options, message) => {
    expect(() => createHealthTracker(options)).toThrow(message);
  });
});
