import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** The shipped migrations up to version 12, in a directory of their own (before 0013-barometer-rollups.sql). */
function copyMigrationsThrough12(): URL {
  const shipped = fileURLToPath(new URL('./migrations/', import.meta.url));
  const directory = mkdtempSync(join(tmpdir(), 'meridian-barometer-'));
  directories.push(directory);
  for (const name of readdirSync(shipped).filter((file) => Number(file.slice(0, 4)) <= 12))
    copyFileSync(join(shipped, name), join(directory, name));
  return pathToFileURL(`${directory}/`);
}

const measures = [1, 0, 1, 1_000, 200, 50, 800, 1_200];

describe('migration 0013 (the barometer rollups)', () => {
  it("fills the barometer's tables from the per-key rollups, summed across orgs and keys", () => {
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(migrateSqlite(database, { directory: copyMigrationsThrough12() })).toHaveLength(12);
    for (const table of ['usage_rollups_quarter_hour', 'usage_rollups_day']) {
      const insert = database.prepare(
        `INSERT INTO ${table} VALUES (?, ?, 'a', 'US', 'p', ?, ?, ?, ${measures.join(', ')}, ?, ?)`,
      );
      insert.run(0, 'm1', 'app', 'org-a', 'key-a', 9_007_199_254_740_993n, 5n);
      insert.run(0, 'm1', 'app', 'org-b', 'key-b', 7n, 6n);
      insert.run(0, 'm1', '', 'org-a', 'key-a', 1n, 1n);
      insert.run(900_000, 'm2', 'app', 'org-a', 'key-c', 2n, 2n);
    }
    expect(migrateSqlite(database)[0]).toBe(13);
    for (const table of ['usage_barometer_quarter_hour', 'usage_barometer_day']) {
      const rows = database
        .prepare(`SELECT * FROM ${table} ORDER BY bucket_start_ms, model_id, app`)
        .raw(true)
        .safeIntegers(true)
        .all();
      const twice = measures.map((value) => BigInt(value * 2));
      const once = measures.map((value) => BigInt(value));
      expect(rows).toEqual([
        [0n, 'm1', 'a', 'US', 'p', '', ...once, 1n, 1n],
        [0n, 'm1', 'a', 'US', 'p', 'app', ...twice, 9_007_199_254_741_000n, 11n],
        [900_000n, 'm2', 'a', 'US', 'p', 'app', ...once, 2n, 2n],
      ]);
    }
    database.close();
  });
});
