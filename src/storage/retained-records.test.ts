import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GenerationRecord, GenerationStore } from './ports.js';
import { createRetainedRecords } from './retained-records.js';
import type { RetainedRecordsEvent } from './retained-records.js';
import { createTestGenerationRecord as record } from './test-generation-record.js';

class UnwritableError extends Error {}

/** A store that fails as the test says: `disk` (the database cannot be written) or `refuse` (this record is wrong). */
function createStore() {
  const state = { isDiskFull: true, refusedIds: new Set<string>(), stored: [] as string[][] };
  const store: GenerationStore = {
    insertGenerations: (records) => {
      if (state.isDiskFull) throw new UnwritableError('disk full');
      const refused = records.find((item) => state.refusedIds.has(item.id));
      if (refused !== undefined) throw new Error(`UNIQUE constraint failed: ${refused.id}`);
      state.stored.push(records.map((item) => item.id));
      return records;
    },
    findGeneration: () => undefined,
  };
  return { store, state };
}

function createRetained(store: GenerationStore, countMax = 10) {
  const events: RetainedRecordsEvent[] = [];
  const storedIds: string[] = [];
  const retained = createRetainedRecords(store, {
    isUnwritable: (error) => error instanceof UnwritableError,
    amend: (item: GenerationRecord) => ({ ...item, errorCode: 'amended' }),
    countMax,
    retryIntervalMs: 1_000,
    onEvent: (event) => events.push(event),
    onStored: (stored) => storedIds.push(...stored.map((item) => item.id)),
  });
  return { retained, events, storedIds };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createRetainedRecords', () => {
  it('keeps the records of a batch the database could not take, amended, and stores them once it can', () => {
    vi.useFakeTimers();
    const { store, state } = createStore();
    const insert = vi.spyOn(store, 'insertGenerations');
    const { retained, events, storedIds } = createRetained(store);
    retained.keep([record('a'), record('b')], new UnwritableError('disk full'));
    expect(retained.count).toBe(2);
    vi.advanceTimersByTime(1_000);
    expect(retained.count).toBe(2);
    state.isDiskFull = false;
    vi.advanceTimersByTime(1_000);
    expect(state.stored).toEqual([['a', 'b']]);
    expect(insert.mock.calls.at(-1)?.[0].map((item) => item.errorCode)).toEqual(['amended', 'amended']);
    expect(retained.count).toBe(0);
    expect(storedIds).toEqual(['a', 'b']);
    vi.advanceTimersByTime(5_000);
    expect(insert).toHaveBeenCalledTimes(2);
    expect(events).toEqual([
      { kind: 'kept', count: 2 },
      { kind: 'stored', count: 2 },
    ]);
  });

  it('ignores a failure that is not the database being unwritable', () => {
    vi.useFakeTimers();
    const { store } = createStore();
    const { retained, events } = createRetained(store);
    retained.keep([record('a')], new Error('CHECK constraint failed'));
    expect(retained.count).toBe(0);
    expect(events).toEqual([]);
  });

  it('keeps one record per generation id: the first, from the call that reached the provider', () => {
    vi.useFakeTimers();
    const { store, state } = createStore();
    const insert = vi.spyOn(store, 'insertGenerations');
    const { retained } = createRetained(store);
    retained.keep([record('a', { upstreamCostNanos: 7n })], new UnwritableError());
    retained.keep([record('a', { upstreamCostNanos: 0n }), record('b')], new UnwritableError());
    state.isDiskFull = false;
    vi.advanceTimersByTime(1_000);
    expect(insert.mock.calls.at(-1)?.[0].map((item) => [item.id, item.upstreamCostNanos])).toEqual([
      ['a', 7n],
      ['b', 210_000n],
    ]);
  });

  it('drops a record the database refuses for itself and stores the others one by one', () => {
    vi.useFakeTimers();
    const { store, state } = createStore();
    const { retained, events, storedIds } = createRetained(store);
    retained.keep([record('a'), record('bad'), record('c')], new UnwritableError());
    state.isDiskFull = false;
    state.refusedIds.add('bad');
    vi.advanceTimersByTime(1_000);
    expect(state.stored).toEqual([['a'], ['c']]);
    expect(storedIds).toEqual(['a', 'c']);
    expect(retained.count).toBe(0);
    expect(events.slice(1)).toEqual([
      { kind: 'dropped', generationId: 'bad', reason: 'refused', detail: 'Error: UNIQUE constraint failed: bad' },
      { kind: 'stored', count: 2 },
    ]);
  });

  it('keeps at most countMax records and reports each one dropped', () => {
    vi.useFakeTimers();
    const { store } = createStore();
    const { retained, events } = createRetained(store, 2);
    retained.keep([record('a'), record('b'), record('c')], new UnwritableError());
    expect(retained.count).toBe(2);
    expect(events).toEqual([
      { kind: 'dropped', generationId: 'c', reason: 'full', detail: '2 records are already waiting' },
      { kind: 'kept', count: 2 },
    ]);
    retained.close();
  });

  it('tries once more when closed, reports what is lost, and stops retrying', () => {
    vi.useFakeTimers();
    const { store, state } = createStore();
    const { retained, events } = createRetained(store);
    retained.keep([record('a')], new UnwritableError());
    retained.close();
    expect(events.at(-1)).toEqual({ kind: 'lost', count: 1 });
    state.isDiskFull = false;
    vi.advanceTimersByTime(5_000);
    expect(state.stored).toEqual([]);
  });

  it('stores what it kept when closed with the database writable again', () => {
    vi.useFakeTimers();
    const { store, state } = createStore();
    const { retained, events } = createRetained(store);
    retained.keep([record('a')], new UnwritableError());
    state.isDiskFull = false;
    retained.close();
    expect(state.stored).toEqual([['a']]);
    expect(events.at(-1)).toEqual({ kind: 'stored', count: 1 });
  });
});
