import { describe, expect, it } from 'vitest';
import { toAsyncPort } from './async-port.js';
import type { GenerationContentStore } from './ports.js';
import { runContentPurge, startContentPurge } from './start-purge.js';

/** A store with `backlog` expired rows that records each purge call's (nowMs, rowsMax). */
function createBacklogStore(backlog: number) {
  const calls: [number, number][] = [];
  let remaining = backlog;
  const store: GenerationContentStore = {
    findContent: () => undefined,
    purgeExpiredContent: (nowMs, rowsMax) => {
      calls.push([nowMs, rowsMax]);
      const deleted = Math.min(remaining, rowsMax);
      remaining -= deleted;
      return deleted;
    },
  };
  return { store, calls, remaining: () => remaining };
}

describe('runContentPurge', () => {
  it('deletes in batches until a batch is not full', async () => {
    const backlog = createBacklogStore(25);
    const deleted = await runContentPurge({ store: backlog.store, now: () => 7, batchRowsMax: 10 });
    expect(deleted).toBe(25);
    expect(backlog.calls).toEqual([
      [7, 10],
      [7, 10],
      [7, 10],
    ]);
  });

  it('deletes in batches over a store answering through promises (PostgreSQL), until a batch is not full', async () => {
    const backlog = createBacklogStore(25);
    const deleted = await runContentPurge({ store: toAsyncPort(backlog.store), now: () => 7, batchRowsMax: 10 });
    expect(deleted).toBe(25);
    expect(backlog.calls).toEqual([
      [7, 10],
      [7, 10],
      [7, 10],
    ]);
  });

  it('stops at the batches-per-run bound, leaving the rest for the next run', async () => {
    const backlog = createBacklogStore(100);
    const deleted = await runContentPurge({ store: backlog.store, batchRowsMax: 10, batchesPerRunMax: 4 });
    expect(deleted).toBe(40);
    expect(backlog.remaining()).toBe(60);
  });

  it('ends early when told to stop', async () => {
    const backlog = createBacklogStore(100);
    let batches = 0;
    const deleted = await runContentPurge({
      store: backlog.store,
      batchRowsMax: 10,
      shouldContinue: () => batches++ < 2,
    });
    expect(deleted).toBe(20);
  });
});

describe('startContentPurge', () => {
  it('runs at once, reports what it deleted, and stops', async () => {
    const backlog = createBacklogStore(3);
    const purged: number[] = [];
    const errors: unknown[] = [];
    const purge = startContentPurge({
      store: backlog.store,
      now: () => 5,
      batchRowsMax: 10,
      intervalMs: 3_600_000,
      onPurged: (count) => purged.push(count),
      onError: (error) => errors.push(error),
    });
    await purge.stop();
    expect(backlog.calls).toEqual([[5, 10]]);
    expect(purged).toEqual([3]);
    expect(errors).toEqual([]);
  });

  it('reports a failed run instead of throwing', async () => {
    const failure = new Error('database is locked');
    const errors: unknown[] = [];
    const purge = startContentPurge({
      store: {
        findContent: () => undefined,
        purgeExpiredContent: () => {
          throw failure;
        },
      },
      onError: (error) => errors.push(error),
    });
    await purge.stop();
    expect(errors).toEqual([failure]);
  });
});
