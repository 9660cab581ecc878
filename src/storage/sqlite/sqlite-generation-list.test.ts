import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
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
});
