import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresOrgStore } from './postgres-org-store.js';

/**
 * A pool whose reads of the switch wait until the test answers them, so the order of a read and a write is chosen
 * exactly (the conformance suite covers the SQL against a real server).
 */
function createControlledPool() {
  const pendingReads: ((isEnabled: boolean) => void)[] = [];
  const statements: string[] = [];
  const pool = {
    query: (sql: string) => {
      statements.push(sql.split(' ')[0]!);
      if (sql.startsWith('SELECT prompt_logging_enabled')) {
        return new Promise((resolve) => {
          pendingReads.push((isEnabled) => resolve({ rows: [{ prompt_logging_enabled: isEnabled }], rowCount: 1 }));
        });
      }
      return Promise.resolve({ rows: [], rowCount: 1 });
    },
  };
  return { pool: pool as unknown as Pool, pendingReads, statements };
}

describe('createPostgresOrgStore prompt-logging cache', () => {
  it('sends one query for concurrent misses of one org, and answers the rest from memory', async () => {
    const { pool, pendingReads, statements } = createControlledPool();
    const store = createPostgresOrgStore(pool, { now: () => 0, settingCacheTtlMs: 5_000 });
    const answers = Promise.all([1, 2, 3].map(() => store.isPromptLoggingEnabled('acme')));
    expect(pendingReads).toHaveLength(1);
    pendingReads[0]!(true);
    expect(await answers).toEqual([true, true, true]);
    expect(await store.isPromptLoggingEnabled('acme')).toBe(true);
    expect(statements).toEqual(['SELECT']);
  });

  it('keeps its own write when a read that started before it answers after it', async () => {
    const { pool, pendingReads, statements } = createControlledPool();
    const store = createPostgresOrgStore(pool, { now: () => 0, settingCacheTtlMs: 5_000 });
    const staleRead = store.isPromptLoggingEnabled('acme');
    expect(await store.setPromptLogging('acme', { isEnabled: true, retentionDays: 30 })).toBe(true);
    pendingReads[0]!(false);
    // The read began before the write, so it answers what it read, but does not replace the cached write.
    expect(await staleRead).toBe(false);
    expect(await store.isPromptLoggingEnabled('acme')).toBe(true);
    expect(statements).toEqual(['SELECT', 'UPDATE']);
  });

  it('reads again once the TTL has passed', async () => {
    const { pool, pendingReads, statements } = createControlledPool();
    let nowMs = 0;
    const store = createPostgresOrgStore(pool, { now: () => nowMs, settingCacheTtlMs: 5_000 });
    const first = store.isPromptLoggingEnabled('acme');
    pendingReads[0]!(false);
    expect(await first).toBe(false);
    nowMs = 4_999;
    expect(await store.isPromptLoggingEnabled('acme')).toBe(false);
    nowMs = 5_000;
    const second = store.isPromptLoggingEnabled('acme');
    pendingReads[1]!(true);
    expect(await second).toBe(true);
    expect(statements).toEqual(['SELECT', 'SELECT']);
  });
});
