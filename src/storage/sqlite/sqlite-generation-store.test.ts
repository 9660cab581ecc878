import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { openSqliteStorage } from './open-sqlite-storage.js';

describe('createSqliteGenerationStore', () => {
  it('round-trips a full record exactly, money above 2^53 included', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const full = record('gen-1', { costNanos: 2n ** 62n + 1n, upstreamCostNanos: 2n ** 53n + 1n });
    storage.generations.insertGenerations([full]);
    expect(storage.generations.findGeneration('gen-1')).toEqual(full);
    storage.close();
  });

  it('round-trips every nullable field as null and false booleans as false', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const sparse = record('gen-2', {
      appReferer: null,
      appTitle: null,
      upstreamId: null,
      isStreaming: false,
      tokensInputTotal: null,
      tokensInputCacheRead: null,
      tokensInputCacheWrite: null,
      tokensOutputTotal: null,
      tokensOutputReasoning: null,
      isUsageEstimated: true,
      costNanos: 0n,
      upstreamCostNanos: 0n,
      finishReason: null,
      finishReasonRaw: null,
      ending: 'no_output',
      errorCode: 'upstream_error',
      ttftMs: null,
      throughputTokensPerSecond: null,
      usageRaw: null,
    });
    storage.generations.insertGenerations([sparse]);
    expect(storage.generations.findGeneration('gen-2')).toEqual(sparse);
    storage.close();
  });

  it('ignores a second insert of the same id (idempotent) and finds nothing for an unknown id', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.generations.insertGenerations([record('gen-3'), record('gen-4')]);
    storage.generations.insertGenerations([record('gen-3', { costNanos: 1n }), record('gen-5')]);
    expect(storage.generations.findGeneration('gen-3')).toEqual(record('gen-3'));
    expect(storage.generations.findGeneration('gen-5')).toEqual(record('gen-5'));
    expect(storage.generations.findGeneration('gen-missing')).toBeUndefined();
    storage.close();
  });

  it('inserts a batch atomically: one bad record leaves none of the batch behind', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    expect(() =>
      storage.generations.insertGenerations([record('gen-6'), record('gen-7', { costNanos: -1n })]),
    ).toThrow();
    expect(storage.generations.findGeneration('gen-6')).toBeUndefined();
    storage.close();
  });
});
