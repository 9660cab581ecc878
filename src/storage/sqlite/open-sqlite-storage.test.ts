import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { openSqliteDatabase, sqliteWalBytesMax } from './open-sqlite-database.js';
import { createProbeWrite, openSqliteStorage } from './open-sqlite-storage.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A database path inside a fresh temporary directory, one level deeper so the parent must be created. */
function createTemporaryPath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-storage-'));
  directories.push(directory);
  return join(directory, 'nested', 'meridian.db');
}

describe('openSqliteDatabase', () => {
  it('creates the parent directory and sets WAL, FULL sync, in-memory temp store, busy timeout and foreign keys', () => {
    const database = openSqliteDatabase({ path: createTemporaryPath() });
    expect({
      journalMode: database.pragma('journal_mode', { simple: true }),
      synchronous: database.pragma('synchronous', { simple: true }),
      busyTimeoutMs: database.pragma('busy_timeout', { simple: true }),
      foreignKeys: database.pragma('foreign_keys', { simple: true }),
      tempStore: database.pragma('temp_store', { simple: true }),
    }).toEqual({ journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000, foreignKeys: 1, tempStore: 2 });
    database.close();
  });

  it("waits busyTimeoutMs for another connection's lock when given one (the serving node's short bound)", () => {
    const database = openSqliteDatabase({ path: createTemporaryPath(), busyTimeoutMs: 250 });
    expect(database.pragma('busy_timeout', { simple: true })).toBe(250);
    database.close();
  });

  it('cuts the WAL a long read let grow back to sqliteWalBytesMax once the read ends', () => {
    const path = createTemporaryPath();
    const database = openSqliteDatabase({ path });
    database.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)');
    const insert = database.prepare('INSERT INTO filler (body) VALUES (?)');
    const insertMany = database.transaction((count: number) => {
      for (let index = 0; index < count; index += 1) insert.run(Buffer.alloc(4_000, 1));
    });
    const reader = openSqliteDatabase({ path });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM filler').get();
    // 24 MB committed while the read holds its snapshot: no checkpoint can copy it, the WAL holds it all.
    insertMany(6_000);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(sqliteWalBytesMax);
    reader.exec('COMMIT');
    reader.close();
    // The next commits checkpoint it all (the automatic checkpoint), then start the WAL again and cut it back.
    for (let round = 0; round < 3; round += 1) insertMany(1);
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(sqliteWalBytesMax);
    database.close();
  });

  it('commits with synchronous=NORMAL when the config asks for it', () => {
    const database = openSqliteDatabase({ path: createTemporaryPath(), synchronous: 'normal' });
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    database.close();
  });

  it('accepts :memory:', () => {
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    database.close();
  });
});

describe('openSqliteStorage', () => {
  it('migrates once and keeps data across reopen', () => {
    const path = createTemporaryPath();
    const first = openSqliteStorage({ path });
    first.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1, markupBasisPoints: 0 });
    first.generations.insertGenerations([record('gen-1')]);
    first.close();

    const second = openSqliteStorage({ path });
    expect(second.generations.findGeneration('gen-1')).toEqual(record('gen-1'));
    expect(second.orgs.findOrg('default')).toEqual({
      id: 'default',
      name: 'Default',
      createdAtMs: 1,
      markupBasisPoints: 0,
      promptLogging: { isEnabled: false, retentionDays: 30 },
    });
    second.close();

    const database = openSqliteDatabase({ path });
    // Each shipped migration applied exactly once, across two opens.
    const versions = database.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    expect(versions[0]).toEqual({ version: 1 });
    expect(new Set(versions.map((row) => row.version)).size).toBe(versions.length);
    database.close();
  });

  it('works in memory', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.generations.insertGenerations([record('gen-1')]);
    expect(storage.generations.findGeneration('gen-1')?.costNanos).toBe(9_007_199_254_740_993n);
    storage.close();
  });
});

describe('openSqliteStorage with a write guard', () => {
  const hold = {
    orgId: 'default',
    keyId: 'key_1',
    amountMax: 10n,
    amountMin: 1n,
    keyLimit: undefined,
    nowMs: 1,
    ttlMs: 1_000,
  };

  function codeOf(run: () => unknown): string | undefined {
    try {
      run();
    } catch (error) {
      if (error instanceof GatewayError) return error.code;
      throw error;
    }
    return undefined;
  }

  it('refuses admissions, idempotent calls and readiness while the disk is below the floor; reads still answer', () => {
    const storage = openSqliteStorage({
      path: createTemporaryPath(),
      writeGuard: { freeBytesMin: Number.MAX_SAFE_INTEGER },
    });
    storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1, markupBasisPoints: 0 });
    storage.ledger.grant({ grantId: 'g', orgId: 'default', amount: 100n, nowMs: 1 });
    expect([
      codeOf(() => storage.ledger.placeHold({ ...hold, requestId: 'gen-1' })),
      codeOf(() =>
        storage.idempotency.run(
          { keyId: 'key_1', idempotencyKey: 'k', fingerprint: 'f', response: undefined as never },
          () => Promise.resolve(),
        ),
      ),
      codeOf(() => storage.ping()),
    ]).toEqual(['ledger_unavailable', 'ledger_unavailable', 'ledger_unavailable']);
    expect(storage.ledger.balance('default')).toMatchObject({ availableNanos: 100n, heldNanos: 0n });
    storage.close();
  });

  it('admits with room on the disk, and has the probe table the guard writes to', () => {
    const path = createTemporaryPath();
    const storage = openSqliteStorage({ path, writeGuard: { freeBytesMin: 1 } });
    storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1, markupBasisPoints: 0 });
    storage.ledger.grant({ grantId: 'g', orgId: 'default', amount: 100n, nowMs: 1 });
    expect(storage.ledger.placeHold({ ...hold, requestId: 'gen-1' })).toEqual({ ok: true, amount: 10n });
    expect(codeOf(() => storage.ping())).toBeUndefined();
    storage.close();
    const database = openSqliteDatabase({ path });
    expect(database.prepare('SELECT COUNT(*) AS count FROM storage_probe').get()).toEqual({ count: 0 });
    database.close();
  });
});

describe('createProbeWrite', () => {
  it("puts the connection's own busy timeout back after the probe, not the default", () => {
    const path = createTemporaryPath();
    openSqliteStorage({ path }).close();
    const database = openSqliteDatabase({ path, busyTimeoutMs: 250 });
    createProbeWrite(database, 250)();
    expect(database.pragma('busy_timeout', { simple: true })).toBe(250);
    database.close();
  });

  it('writes its row, and fails at once with SQLITE_BUSY while another connection holds the write lock', () => {
    const path = createTemporaryPath();
    openSqliteStorage({ path }).close();
    const database = openSqliteDatabase({ path });
    const other = openSqliteDatabase({ path });
    const probe = createProbeWrite(database);
    probe();
    expect(database.prepare('SELECT id FROM storage_probe').all()).toEqual([{ id: 1 }]);
    other.prepare('BEGIN IMMEDIATE').run();
    let code: unknown;
    try {
      probe();
    } catch (error) {
      code = (error as { code?: unknown }).code;
    }
    other.prepare('ROLLBACK').run();
    // The connection's own busy timeout is back for every other write.
    expect([code, database.pragma('busy_timeout', { simple: true })]).toEqual(['SQLITE_BUSY', 5000]);
    other.close();
    database.close();
  });
});
