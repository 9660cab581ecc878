import { describe, expect, it, vi } from 'vitest';
import { createGenerationWriter } from './generation-writer.js';
import type { GenerationStore } from './ports.js';
import { createTestGenerationRecord as record } from './test-generation-record.js';

function createSpyStore(insert: GenerationStore['insertGenerations'] = (records) => records) {
  const insertGenerations = vi.fn(insert);
  const store: GenerationStore = { insertGenerations, findGeneration: () => undefined };
  const batches = () => insertGenerations.mock.calls.map(([records]) => records.map((item) => item.id));
  return { store, insertGenerations, batches };
}

describe('createGenerationWriter', () => {
  it('commits every record of one event-loop turn in one transaction, after the turn', async () => {
    const { store, insertGenerations, batches } = createSpyStore();
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    const written = [writer.write(record('a')), writer.write(record('b')), writer.write(record('c'))];
    expect(insertGenerations).not.toHaveBeenCalled();
    expect(writer.pendingCount).toBe(3);
    await Promise.all(written);
    expect(batches()).toEqual([['a', 'b', 'c']]);
    expect(writer.pendingCount).toBe(0);
  });

  it('commits records of later turns in later transactions', async () => {
    const { store, batches } = createSpyStore();
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    await writer.write(record('a'));
    await Promise.all([writer.write(record('b')), writer.write(record('c'))]);
    expect(batches()).toEqual([['a'], ['b', 'c']]);
  });

  it('commits at once when the batch is full', async () => {
    const { store, batches } = createSpyStore();
    const writer = createGenerationWriter(store, { batchCountMax: 2 });
    const written = [writer.write(record('a')), writer.write(record('b')), writer.write(record('c'))];
    expect(batches()).toEqual([['a', 'b']]);
    expect(writer.pendingCount).toBe(1);
    await Promise.all(written);
    expect(batches()).toEqual([['a', 'b'], ['c']]);
  });

  it('commits pending records synchronously on flush, and resolves them', async () => {
    const { store, batches } = createSpyStore();
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    const written = [writer.write(record('a')), writer.write(record('b'))];
    writer.flush();
    expect(batches()).toEqual([['a', 'b']]);
    expect(writer.pendingCount).toBe(0);
    await Promise.all(written);
    writer.flush();
    expect(batches()).toEqual([['a', 'b']]);
  });

  it('rejects the records of a failed batch and keeps later batches going', async () => {
    let shouldFail = true;
    const { store, batches } = createSpyStore((records) => {
      if (shouldFail) throw new Error('disk full');
      return records;
    });
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    const failed = [writer.write(record('a')), writer.write(record('b'))];
    await expect(Promise.allSettled(failed)).resolves.toEqual([
      { status: 'rejected', reason: new Error('disk full') },
      { status: 'rejected', reason: new Error('disk full') },
    ]);
    shouldFail = false;
    await expect(writer.write(record('c'))).resolves.toEqual(record('c'));
    expect(batches()).toEqual([['a', 'b'], ['c']]);
  });

  it('shows a failed batch to onBatchFailed, with its error, before its records reject', async () => {
    const { store } = createSpyStore(() => {
      throw new Error('disk full');
    });
    const seen: unknown[] = [];
    const writer = createGenerationWriter(store, {
      batchCountMax: 100,
      onBatchFailed: (records, error) => seen.push([records.map((item) => item.id), String(error)]),
    });
    const failed = [writer.write(record('a')), writer.write(record('b'))];
    await expect(Promise.allSettled(failed)).resolves.toMatchObject([{ status: 'rejected' }, { status: 'rejected' }]);
    expect(seen).toEqual([[['a', 'b'], 'Error: disk full']]);
  });

  it('rejects only the full batch that failed, not the records queued after it', async () => {
    let callCount = 0;
    const { store } = createSpyStore((records) => {
      callCount += 1;
      if (callCount === 1) throw new Error('busy');
      return records;
    });
    const writer = createGenerationWriter(store, { batchCountMax: 1 });
    const first = writer.write(record('a'));
    const second = writer.write(record('b'));
    await expect(first).rejects.toThrow('busy');
    await expect(second).resolves.toEqual(record('b'));
  });

  it('refuses a batch size below one', () => {
    const { store } = createSpyStore();
    expect(() => createGenerationWriter(store, { batchCountMax: 0 })).toThrow();
  });
});

describe('createGenerationWriter under load', () => {
  it('commits at once when idle, and waits the window to batch when the last commit was recent', async () => {
    vi.useFakeTimers();
    try {
      let nowMs = 1_000;
      const { store, insertGenerations, batches } = createSpyStore();
      const writer = createGenerationWriter(store, { batchCountMax: 100, commitWindowMs: 2, now: () => nowMs });
      const first = writer.write(record('a'));
      await vi.advanceTimersToNextTimerAsync();
      await first;
      expect(insertGenerations).toHaveBeenCalledTimes(1);
      nowMs += 1;
      const batch = [writer.write(record('b')), writer.write(record('c'))];
      await vi.advanceTimersByTimeAsync(1);
      expect(insertGenerations).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      await Promise.all(batch);
      expect(batches()).toEqual([['a'], ['b', 'c']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not wait the window when no other call is in flight', async () => {
    vi.useFakeTimers();
    try {
      const { store, batches } = createSpyStore();
      const writer = createGenerationWriter(store, {
        batchCountMax: 100,
        commitWindowMs: 1_000,
        isBusy: () => false,
        now: () => 5_000,
      });
      await Promise.all([writer.write(record('a')), vi.advanceTimersToNextTimerAsync()]);
      const second = writer.write(record('b'));
      await vi.advanceTimersToNextTimerAsync();
      await second;
      expect(batches()).toEqual([['a'], ['b']]);
    } finally {
      vi.useRealTimers();
    }
  });
});
