import { describe, expect, it } from 'vitest';
import { createHealthTracker } from '../create-health-tracker.js';
import { failMany, key } from '../test-support.js';
import { createSharedHealth } from './create-shared-health.js';
import { sharedHealthDefaults } from './shared-health-defaults.js';
import type { SharedHealthMessage } from './shared-health-types.js';

const nodeId = 'node-a';

/** A shared health over a fresh tracker whose publishes land in `sent`; `clock.nowMs` is what `now()` reads. */
function createNode(publish?: (message: SharedHealthMessage) => void | Promise<void>) {
  const sent: SharedHealthMessage[] = [];
  const errors: unknown[] = [];
  const clock = { nowMs: 0 };
  const health = createSharedHealth({
    tracker: createHealthTracker(),
    publish: publish ?? ((message) => void sent.push(message)),
    nodeId,
    now: () => clock.nowMs,
    onError: (error) => errors.push(error),
  });
  return { health, sent, errors, clock };
}

const success = (nowMs: number) => ({ nowMs, ttftMs: undefined, tokensPerSecond: undefined });

describe('createSharedHealth: announcing this node’s rests', () => {
  it('publishes exactly one message, with the cooldown’s end, when the circuit opens', () => {
    const { health, sent } = createNode();
    expect(failMany(health, 1_000, 9)).toBe(9);
    expect(sent).toEqual([]);
    expect(failMany(health, 1_000, 1)).toBe(1);
    expect(health.snapshot(key, 1_000)).toMatchObject({ circuit: 'open', unavailableUntilMs: 16_000 });
    // Refused admissions and stragglers while open announce nothing more.
    expect(failMany(health, 2_000, 5)).toBe(0);
    health.recordFailure(key, { nowMs: 3_000, kind: 'timeout' });
    expect(sent).toEqual([{ endpoint: key, untilMs: 16_000, nodeId }]);
  });

  it('publishes a Retry-After’s end, and a later end again, but not an earlier one', () => {
    const { health, sent } = createNode();
    expect(health.tryAdmit(key, 1_000)).toBe(true);
    health.recordFailure(key, { nowMs: 1_000, kind: 'rate-limited', retryAfterMs: 2_000 });
    health.recordFailure(key, { nowMs: 1_500, kind: 'rate-limited', retryAfterMs: 1_000 });
    health.recordFailure(key, { nowMs: 1_500, kind: 'server-error', retryAfterMs: 7_000 });
    expect(sent).toEqual([
      { endpoint: key, untilMs: 3_000, nodeId },
      { endpoint: key, untilMs: 8_500, nodeId },
    ]);
  });

  it('publishes one clear when a probe success closes the circuit, and nothing before it', () => {
    const { health, sent } = createNode();
    failMany(health, 0, 10);
    // A straggler's success while open closes nothing.
    health.recordSuccess(key, success(5_000));
    expect(health.tryAdmit(key, 15_000)).toBe(true);
    expect(sent).toHaveLength(1);
    health.recordSuccess(key, success(15_000));
    health.recordSuccess(key, success(15_001));
    expect(sent).toEqual([
      { endpoint: key, untilMs: 15_000, nodeId },
      { endpoint: key, untilMs: 0, nodeId },
    ]);
  });

  it('publishes the doubled cooldown when a probe fails', () => {
    const { health, sent } = createNode();
    failMany(health, 0, 10);
    expect(health.tryAdmit(key, 20_000)).toBe(true);
    health.recordFailure(key, { nowMs: 20_000, kind: 'connection' });
    expect(sent.map((message) => message.untilMs)).toEqual([15_000, 50_000]);
  });

  it('sends no clear for a success when nothing was announced', () => {
    const { health, sent } = createNode();
    expect(health.tryAdmit(key, 0)).toBe(true);
    health.recordSuccess(key, success(0));
    expect(sent).toEqual([]);
  });

  it('never lets a failing publish reach the caller: thrown and rejected errors go to onError', async () => {
    const thrown = new Error('publish threw');
    const throwing = createNode(() => {
      throw thrown;
    });
    expect(() => failMany(throwing.health, 0, 10)).not.toThrow();
    expect(throwing.errors).toEqual([thrown]);

    const rejected = new Error('publish rejected');
    const rejecting = createNode(() => Promise.reject(rejected));
    failMany(rejecting.health, 0, 10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejecting.errors).toEqual([rejected]);
  });
});

describe('createSharedHealth: honouring other nodes’ rests', () => {
  it('keeps the endpoint unavailable until the remote until-time, then available again', () => {
    const { health } = createNode();
    health.applyRemote({ endpoint: key, untilMs: 10_000, nodeId: 'node-b' });
    expect(health.isAvailable(key, 9_999)).toBe(false);
    expect(health.tryAdmit(key, 9_999)).toBe(false);
    expect(health.snapshot(key, 9_999)).toMatchObject({ circuit: 'closed', unavailableUntilMs: 10_000 });
    expect(health.isAvailable(key, 10_000)).toBe(true);
    expect(health.snapshot(key, 10_000).unavailableUntilMs).toBeUndefined();
    expect(health.tryAdmit(key, 10_000)).toBe(true);
    expect(health.isAvailable('other/model', 0)).toBe(true);
  });

  it('lifts a remote rest on that node’s clear, but not on another node’s', () => {
    const { health } = createNode();
    health.applyRemote({ endpoint: key, untilMs: 10_000, nodeId: 'node-b' });
    health.applyRemote({ endpoint: key, untilMs: 20_000, nodeId: 'node-c' });
    health.applyRemote({ endpoint: key, untilMs: 0, nodeId: 'node-c' });
    expect(health.snapshot(key, 0).unavailableUntilMs).toBe(10_000);
    health.applyRemote({ endpoint: key, untilMs: 0, nodeId: 'node-b' });
    expect(health.isAvailable(key, 0)).toBe(true);
    expect(health.remoteRestsCount()).toBe(0);
  });

  it('reports the later of the local and the remote rest', () => {
    const { health } = createNode();
    failMany(health, 0, 10);
    health.applyRemote({ endpoint: key, untilMs: 12_000, nodeId: 'node-b' });
    expect(health.snapshot(key, 0).unavailableUntilMs).toBe(15_000);
    health.applyRemote({ endpoint: key, untilMs: 40_000, nodeId: 'node-b' });
    expect(health.snapshot(key, 0).unavailableUntilMs).toBe(40_000);
    // Half-open locally (probe slot free) but still resting remotely.
    expect(health.isAvailable(key, 15_000)).toBe(false);
    expect(health.snapshot(key, 15_000)).toMatchObject({ circuit: 'half-open', unavailableUntilMs: 40_000 });
  });

  it('does not take the local probe slot while a remote rest refuses the admission', () => {
    const { health } = createNode();
    failMany(health, 0, 10);
    health.applyRemote({ endpoint: key, untilMs: 20_000, nodeId: 'node-b' });
    expect(health.tryAdmit(key, 15_000)).toBe(false);
    expect(health.tryAdmit(key, 20_000)).toBe(true);
    expect(health.tryAdmit(key, 20_000)).toBe(false);
  });

  it('ignores its own messages', () => {
    const { health } = createNode();
    health.applyRemote({ endpoint: key, untilMs: 10_000, nodeId });
    expect(health.isAvailable(key, 0)).toBe(true);
    expect(health.remoteRestsCount()).toBe(0);
  });

  it('caps a remote until-time at arrival + remoteRestMsMax', () => {
    const { health, clock } = createNode();
    clock.nowMs = 1_000_000;
    health.applyRemote({ endpoint: key, untilMs: 1_000_000 + 60 * 60_000, nodeId: 'node-b' });
    const cappedMs = 1_000_000 + sharedHealthDefaults.remoteRestMsMax;
    expect(cappedMs).toBe(1_300_000);
    expect(health.snapshot(key, 1_000_000).unavailableUntilMs).toBe(cappedMs);
    expect(health.isAvailable(key, cappedMs - 1)).toBe(false);
    expect(health.isAvailable(key, cappedMs)).toBe(true);
  });

  it.each([
    ['negative', -5],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['already past', 999_999],
  ])('ignores a %s until-time', (_label, untilMs) => {
    const { health, clock } = createNode();
    clock.nowMs = 1_000_000;
    health.applyRemote({ endpoint: key, untilMs, nodeId: 'node-b' });
    expect(health.isAvailable(key, 1_000_000)).toBe(true);
    expect(health.remoteRestsCount()).toBe(0);
  });

  it('never republishes what it heard (no echo between nodes)', () => {
    const { health, sent } = createNode();
    health.applyRemote({ endpoint: key, untilMs: 10_000, nodeId: 'node-b' });
    health.snapshot(key, 0);
    health.tryAdmit(key, 0);
    expect(sent).toEqual([]);
  });
});
