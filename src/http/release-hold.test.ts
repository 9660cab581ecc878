import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { limits } from '../config/index.js';
import type { AppContext } from './app-context.js';
import { releaseUnsettledHold } from './release-hold.js';

/** An app whose ledger fails while `ledger.isDown`, with active holds by request id and what it logged. */
function createFakeApp(activeRequestIds: readonly string[]) {
  const active = new Set(activeRequestIds);
  const logged: string[] = [];
  const settled: string[] = [];
  const ledger = {
    isDown: true,
    findHold: (requestId: string) => {
      if (ledger.isDown) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return active.has(requestId) ? { requestId, status: 'active' } : undefined;
    },
    settle: (input: { readonly requestId: string; readonly chargeNanos: bigint }) => {
      settled.push(`${input.requestId}:${input.chargeNanos}`);
      active.delete(input.requestId);
      return { chargedNanos: 0n, isFirstSettlement: true };
    },
  };
  const log = (event: string, fields: { readonly requestId: string }) => logged.push(`${event} ${fields.requestId}`);
  const app = { storage: { ledger }, log: { error: log, info: log }, now: () => 1 } as unknown as AppContext;
  return { app, ledger, logged, settled };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('releaseUnsettledHold', () => {
  it('retries a release the ledger could not take until it goes through, logging the failure and the release once', async () => {
    const { app, ledger, logged, settled } = createFakeApp(['gen-lost']);
    await releaseUnsettledHold(app, 'gen-lost');
    await releaseUnsettledHold(app, 'gen-refused');
    await vi.advanceTimersByTimeAsync(limits.holdReleaseRetryIntervalMs * 3);
    expect([logged, settled]).toEqual([['hold_release_failed gen-lost', 'hold_release_failed gen-refused'], []]);
    ledger.isDown = false;
    await vi.advanceTimersByTimeAsync(limits.holdReleaseRetryIntervalMs);
    // The refused call never had a hold: its retry finds none and says nothing.
    expect([logged.slice(2), settled]).toEqual([['hold_released_on_retry gen-lost'], ['gen-lost:0']]);
    await vi.advanceTimersByTimeAsync(limits.holdReleaseRetryIntervalMs * 3);
    expect(settled).toEqual(['gen-lost:0']);
  });

  it('releases at once when the ledger answers, and keeps at most holdReleaseRetriesMax waiting', async () => {
    const { app, ledger, settled } = createFakeApp(['gen-now']);
    ledger.isDown = false;
    await releaseUnsettledHold(app, 'gen-now');
    expect(settled).toEqual(['gen-now:0']);

    const many = Array.from({ length: limits.holdReleaseRetriesMax + 1 }, (_, index) => `gen-${index}`);
    const busy = createFakeApp(many);
    for (const requestId of many) await releaseUnsettledHold(busy.app, requestId);
    busy.ledger.isDown = false;
    await vi.advanceTimersByTimeAsync(limits.holdReleaseRetryIntervalMs);
    expect(busy.settled).toHaveLength(limits.holdReleaseRetriesMax);
    expect(busy.settled.at(-1)).toBe(`gen-${limits.holdReleaseRetriesMax - 1}:0`);
  });
});
