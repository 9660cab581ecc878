import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createTestDatabase, findPostgresSkipReason } from '../../../test/support/start-postgres.js';
import type { TestDatabase } from '../../../test/support/start-postgres.js';
import { migratePostgres } from './migrate-postgres.js';
import { openPostgresPool } from './open-postgres-pool.js';

const skipReason = await findPostgresSkipReason();
let database: TestDatabase;
let pool: Pool;
let directory: string;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  database = await createTestDatabase();
  pool = openPostgresPool(database.url);
  directory = mkdtempSync(join(tmpdir(), 'meridian-pg-migrations-'));
  writeFileSync(
    join(directory, '0001-first.sql'),
    'CREATE TABLE things (id text PRIMARY KEY, amount bigint NOT NULL);',
  );
  writeFileSync(join(directory, '0002-second.sql'), 'ALTER TABLE things ADD COLUMN note text;');
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await pool.end();
  await database.drop();
  rmSync(directory, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('migratePostgres', () => {
  it('applies each migration once, even when nodes migrate at the same time, and reads bigint exactly', async () => {
    const migrationsUrl = pathToFileURL(`${directory}/`);
    const [first, second] = await Promise.all([
      migratePostgres(pool, { directory: migrationsUrl }),
      migratePostgres(pool, { directory: migrationsUrl }),
    ]);
    expect([first, second].sort((left, right) => right.length - left.length)).toEqual([[1, 2], []]);
    expect(await migratePostgres(pool, { directory: migrationsUrl })).toEqual([]);
    await pool.query('INSERT INTO things (id, amount, note) VALUES ($1, $2, $3)', ['a', '9007199254740993', 'n']);
    const { rows } = await pool.query<{ amount: bigint; total: bigint }>(
      'SELECT amount, SUM(amount) OVER () AS total FROM things',
    );
    expect(rows).toEqual([{ amount: 9_007_199_254_740_993n, total: 9_007_199_254_740_993n }]);
  });

  it('refuses a database migrated by a newer build', async () => {
    await pool.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (99, 0)');
    await expect(migratePostgres(pool, { directory: pathToFileURL(`${directory}/`) })).rejects.toThrow(
      'schema version(s) 99',
    );
    await pool.query('DELETE FROM schema_migrations WHERE version = 99');
  });

  it('the shipped migrations leave generations with the org index lists use, and without the key index (0004)', async () => {
    const shipped = await createTestDatabase();
    const shippedPool = openPostgresPool(shipped.url);
    try {
      await migratePostgres(shippedPool);
      const { rows } = await shippedPool.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'generations' ORDER BY indexname",
      );
      const names = rows.map((row) => row.indexname);
      expect(names).toContain('generations_org_started');
      expect(names).not.toContain('generations_key_started');
    } finally {
      await shippedPool.end();
      await shipped.drop();
    }
  });

  it("fills the barometer's rollups from the per-key rollups, summed across orgs and keys (0005)", async () => {
    const shipped = fileURLToPath(new URL('./migrations/', import.meta.url));
    const through4 = mkdtempSync(join(tmpdir(), 'meridian-pg-barometer-'));
    for (const name of readdirSync(shipped).filter((file) => Number(file.slice(0, 4)) <= 4))
      copyFileSync(join(shipped, name), join(through4, name));
    const older = await createTestDatabase();
    const olderPool = openPostgresPool(older.url);
    try {
      expect(await migratePostgres(olderPool, { directory: pathToFileURL(`${through4}/`) })).toEqual([1, 2, 3, 4]);
      const measures = '1, 0, 1, 1000, 200, 50, 800, 1200';
      for (const table of ['usage_rollups_quarter_hour', 'usage_rollups_day'])
        await olderPool.query(
          `INSERT INTO ${table} VALUES
             (0, 'm1', 'a', 'US', 'p', 'app', 'org-a', 'key-a', ${measures}, 9007199254740993, 5),
             (0, 'm1', 'a', 'US', 'p', 'app', 'org-b', 'key-b', ${measures}, 7, 6),
             (0, 'm1', 'a', 'US', 'p', '', 'org-a', 'key-a', ${measures}, 1, 1),
             (900000, 'm2', 'a', 'US', 'p', 'app', 'org-a', 'key-c', ${measures}, 2, 2)`,
        );
      expect((await migratePostgres(olderPool))[0]).toBe(5);
      for (const table of ['usage_barometer_quarter_hour', 'usage_barometer_day']) {
        const { rows } = await olderPool.query({
          text: `SELECT * FROM ${table} ORDER BY bucket_start_ms, model_id, app`,
          rowMode: 'array',
        });
        expect(rows).toEqual([
          [0n, 'm1', 'a', 'US', 'p', '', 1n, 0n, 1n, 1_000n, 200n, 50n, 800n, 1_200n, 1n, 1n],
          [
            0n,
            'm1',
            'a',
            'US',
            'p',
            'app',
            2n,
            0n,
            2n,
            2_000n,
            400n,
            100n,
            1_600n,
            2_400n,
            9_007_199_254_741_000n,
            11n,
          ],
          [900_000n, 'm2', 'a', 'US', 'p', 'app', 1n, 0n, 1n, 1_000n, 200n, 50n, 800n, 1_200n, 2n, 2n],
        ]);
      }
    } finally {
      await olderPool.end();
      await older.drop();
      rmSync(through4, { recursive: true, force: true });
    }
  });

  it('applies the pending migrations all or none, and holds no lock once it returns or throws', async () => {
    const failing = mkdtempSync(join(tmpdir(), 'meridian-pg-migrations-'));
    try {
      writeFileSync(
        join(failing, '0001-first.sql'),
        'CREATE TABLE things (id text PRIMARY KEY, amount bigint NOT NULL);',
      );
      writeFileSync(join(failing, '0002-second.sql'), 'ALTER TABLE things ADD COLUMN note text;');
      writeFileSync(join(failing, '0003-third.sql'), 'CREATE TABLE others (id text PRIMARY KEY);');
      writeFileSync(join(failing, '0004-broken.sql'), 'ALTER TABLE no_such_table ADD COLUMN x text;');
      await expect(migratePostgres(pool, { directory: pathToFileURL(`${failing}/`) })).rejects.toThrow('no_such_table');
      // 0003 ran before 0004 failed: rolled back with it, so the database is still at version 2.
      const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual([1, 2]);
      expect((await pool.query("SELECT to_regclass('others') AS found")).rows).toEqual([{ found: null }]);
      // The lock lived only as long as the transaction (behind a pooler a session lock would outlive it).
      const locks = await pool.query(
        'SELECT count(*)::int AS count FROM pg_locks l JOIN pg_database d ON d.oid = l.database ' +
          "WHERE l.locktype = 'advisory' AND d.datname = current_database()",
      );
      expect(locks.rows).toEqual([{ count: 0 }]);
    } finally {
      rmSync(failing, { recursive: true, force: true });
    }
  });
});
