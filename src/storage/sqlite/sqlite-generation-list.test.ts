import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { openSqliteStorage } from './open-sqlite-storage.js';

// Listing records exactly as stored is a conformance case on both drivers
// (src/storage/conformance/generations.conformance.test.ts).
describe('createSqliteGenerationList', () => {
  it('lists one org, newest first, ties by id descending, at most `limit`', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.generations.insertGenerations([
      record('gen-a', { orgId: 'acme', startedAtMs: 1_000 }),
      record('gen-b', { orgId: 'acme', startedAtMs: 3_000 }),
      record('gen-c', { orgId: 'acme', startedAtMs: 2_000 }),
      record('gen-d', { orgId: 'acme', startedAtMs: 3_000 }),
      record('gen-x', { orgId: 'other', startedAtMs: 9_000 }),
    ]);
    const ids = (orgId: string, limit: number) =>
      storage.generationList.listRecentGenerations({ orgId, limit }).map((item) => item.id);
    expect(ids('acme', 10)).toEqual(['gen-d', 'gen-b', 'gen-c', 'gen-a']);
    expect(ids('acme', 2)).toEqual(['gen-d', 'gen-b']);
    expect(ids('other', 10)).toEqual(['gen-x']);
    expect(ids('nobody', 10)).toEqual([]);
    storage.close();
  });

  it('purges old records and leaves the rollups (the barometer) as they were', () => {
    const directory = mkdtempSync(join(tmpdir(), 'meridian-retention-'));
    const path = join(directory, 'meridian.db');
    const storage = openSqliteStorage({ path });
    storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 });
    const day = 86_400_000;
    storage.generations.insertGenerations([
      record('gen-old', { orgId: 'acme', startedAtMs: 10 * day, finishedAtMs: 10 * day + 5 }),
      record('gen-new', { orgId: 'acme', startedAtMs: 40 * day, finishedAtMs: 40 * day + 5 }),
    ]);
    const raw = openSqliteDatabase({ path });
    const rollups = () =>
      raw
        .prepare('SELECT bucket_start_ms, requests, tokens_total FROM usage_rollups_day ORDER BY bucket_start_ms')
        .all();
    const before = rollups();
    expect(before).toHaveLength(2);
    expect(storage.generationList.purgeGenerationsBefore(30 * day, 100)).toBe(1);
    expect(storage.generations.findGeneration('gen-old')).toBeUndefined();
    expect(storage.generations.findGeneration('gen-new')?.id).toBe('gen-new');
    expect(rollups()).toEqual(before);
    expect(() => storage.generationList.purgeGenerationsBefore(30 * day, 0)).toThrow('rowsMax must be ≥ 1');
    raw.close();
    storage.close();
    rmSync(directory, { recursive: true, force: true });
  });
});
