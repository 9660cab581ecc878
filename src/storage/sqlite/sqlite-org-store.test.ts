import { describe, expect, it } from 'vitest';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { openSqliteStorage } from './open-sqlite-storage.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';

const loggingOff = { isEnabled: false, retentionDays: 30 };

describe('createSqliteOrgStore', () => {
  it('creates an org once and never overwrites it', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    expect(storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 })).toBe(true);
    expect(storage.orgs.ensureOrg({ id: 'acme', name: 'Other', createdAtMs: 2, markupBasisPoints: 0 })).toBe(false);
    expect(storage.orgs.findOrg('acme')).toEqual({
      id: 'acme',
      name: 'Acme',
      createdAtMs: 1,
      markupBasisPoints: 0,
      promptLogging: loggingOff,
    });
    expect(storage.orgs.setMarkup('acme', 2_500)).toBe(true);
    expect(storage.orgs.listOrgs()).toEqual([
      { id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 2_500, promptLogging: loggingOff },
    ]);
    expect(storage.orgs.findOrg('nobody')).toBeUndefined();
    storage.close();
  });

  it("answers the switch from memory: its own writes at once, another process's after the cache TTL", () => {
    const database = openSqliteDatabase({ path: ':memory:' });
    migrateSqlite(database);
    let nowMs = 1_000;
    const serving = createSqliteOrgStore(database, { now: () => nowMs, settingCacheTtlMs: 5_000 });
    const other = createSqliteOrgStore(database, { now: () => nowMs });
    serving.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 });
    expect(serving.isPromptLoggingEnabled('acme')).toBe(false);
    other.setPromptLogging('acme', { isEnabled: true, retentionDays: 7 });
    nowMs += 4_999;
    expect(serving.isPromptLoggingEnabled('acme')).toBe(false);
    nowMs += 1;
    expect(serving.isPromptLoggingEnabled('acme')).toBe(true);
    serving.setPromptLogging('acme', { isEnabled: false, retentionDays: 7 });
    expect(serving.isPromptLoggingEnabled('acme')).toBe(false);
    database.close();
  });
});
