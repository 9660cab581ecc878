import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGenerationWriter } from '../generation-writer.js';
import type { GenerationRecord, GenerationStore } from '../ports.js';
import { openSqliteStorage } from './open-sqlite-storage.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryPath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-storage-'));
  directories.push(directory);
  return join(directory, 'nested', 'meridian.db');
}

function record(id: string, overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    id,
    requestId: 'req_1',
    orgId: 'default',
    keyId: 'key_1',
    appReferer: null,
    appTitle: 'Agent',
    modelId: 'deepseek/deepseek-v3.2',
    author: 'deepseek',
    origin: 'CN',
    providerId: 'deepseek',
    upstreamModel: 'deepseek-chat',
    upstreamId: null,
    isStreaming: true,
    tokensInputTotal: 1200,
    tokensInputCacheRead: 1000,
    tokensInputCacheWrite: null,
    tokensOutputTotal: 300,
    tokensOutputReasoning: null,
    isUsageEstimated: false,
    costNanos: 9_007_199_254_740_993n,
    upstreamCostNanos: 210_000n,
    finishReason: 'stop',
    finishReasonRaw: 'stop',
    ending: 'success',
    errorCode: null,
    startedAtMs: 1_795_000_000_000,
    finishedAtMs: 1_795_000_001_234,
    latencyMs: 1234,
    ttftMs: 210,
    throughputTokensPerSecond: 293.26,
    usageRaw: '{"prompt_tokens":1200}',
    ...overrides,
  };
}

describe('openSqliteStorage', () => {
  it('migrates idempotently and keeps data across reopen', () => {
    const path = temporaryPath();
    const first = openSqliteStorage({ path });
    first.generations.insertGenerations([record('gen-1')]);
    first.close();
    const second = openSqliteStorage({ path });
    expect(second.generations.findGeneration('gen-1')).toEqual(record('gen-1'));
    second.close();
  });

  it('round-trips a record exactly, bigints above 2^53 included, and ignores a duplicate id', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.generations.insertGenerations([record('gen-2')]);
    storage.generations.insertGenerations([record('gen-2', { costNanos: 1n })]);
    expect(storage.generations.findGeneration('gen-2')).toEqual(record('gen-2'));
    expect(storage.generations.findGeneration('gen-missing')).toBeUndefined();
    storage.close();
  });

  it('stores keys by digest, lists, revokes, counts admins; orgs are ensured once', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    expect(storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1 })).toBe(true);
    expect(storage.orgs.ensureOrg({ id: 'default', name: 'Other', createdAtMs: 2 })).toBe(false);
    expect(storage.orgs.findOrg('default')).toEqual({ id: 'default', name: 'Default', createdAtMs: 1 });
    const key = {
      id: 'key_a',
      orgId: 'default',
      name: 'ci',
      role: 'admin' as const,
      digest: 'ab'.repeat(32),
      displayPrefix: 'sk-mer-v1-abcd',
      lastFour: 'wxyz',
      createdAtMs: 5,
      revokedAtMs: null,
      limitNanos: 5_000_000_000n,
      limitReset: 'monthly' as const,
    };
    storage.keys.insertKey(key);
    expect(storage.keys.findKeyByDigest('ab'.repeat(32))).toEqual(key);
    expect(storage.keys.listKeys('default')).toEqual([key]);
    expect(storage.keys.countKeysByRole('admin')).toBe(1);
    expect(storage.keys.revokeKey('key_a', 9)).toBe(true);
    expect(storage.keys.revokeKey('key_a', 10)).toBe(false);
    expect(storage.keys.findKeyById('key_a')?.revokedAtMs).toBe(9);
    expect(storage.keys.countKeysByRole('admin')).toBe(0);
    storage.close();
  });
});

describe('createGenerationWriter', () => {
  it('commits every record of one event-loop turn in one transaction', async () => {
    const store: GenerationStore = { insertGenerations: vi.fn(), findGeneration: () => undefined };
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    await Promise.all([writer.write(record('a')), writer.write(record('b')), writer.write(record('c'))]);
    expect(store.insertGenerations).toHaveBeenCalledTimes(1);
    expect(vi.mocked(store.insertGenerations).mock.calls[0]![0].map((item) => item.id)).toEqual(['a', 'b', 'c']);
  });

  it('commits at once when the batch is full, and on flush', async () => {
    const store: GenerationStore = { insertGenerations: vi.fn(), findGeneration: () => undefined };
    const writer = createGenerationWriter(store, { batchCountMax: 2 });
    const written = [writer.write(record('a')), writer.write(record('b'))];
    expect(store.insertGenerations).toHaveBeenCalledTimes(1);
    void writer.write(record('c'));
    expect(writer.pendingCount).toBe(1);
    writer.flush();
    expect(writer.pendingCount).toBe(0);
    expect(store.insertGenerations).toHaveBeenCalledTimes(2);
    await Promise.all(written);
  });

  it('rejects the records of a failed batch and keeps later batches going', async () => {
    let shouldFail = true;
    const store: GenerationStore = {
      insertGenerations: vi.fn(() => {
        if (shouldFail) throw new Error('disk full');
      }),
      findGeneration: () => undefined,
    };
    const writer = createGenerationWriter(store, { batchCountMax: 100 });
    await expect(writer.write(record('a'))).rejects.toThrow('disk full');
    shouldFail = false;
    await expect(writer.write(record('b'))).resolves.toBeUndefined();
  });
});

describe('createGenerationWriter under load', () => {
  it('commits at once when idle, and waits the window to batch when the last commit was recent', async () => {
    vi.useFakeTimers();
    try {
      let nowMs = 1_000;
      const store: GenerationStore = { insertGenerations: vi.fn(), findGeneration: () => undefined };
      const writer = createGenerationWriter(store, { batchCountMax: 100, commitWindowMs: 2, now: () => nowMs });
      const first = writer.write(record('a'));
      await vi.advanceTimersToNextTimerAsync();
      await first;
      expect(store.insertGenerations).toHaveBeenCalledTimes(1);
      nowMs += 1;
      const batch = [writer.write(record('b')), writer.write(record('c'))];
      await vi.advanceTimersByTimeAsync(1);
      expect(store.insertGenerations).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      await Promise.all(batch);
      expect(store.insertGenerations).toHaveBeenCalledTimes(2);
      expect(vi.mocked(store.insertGenerations).mock.calls[1]![0].map((item) => item.id)).toEqual(['b', 'c']);
    } finally {
      vi.useRealTimers();
    }
  });
});
