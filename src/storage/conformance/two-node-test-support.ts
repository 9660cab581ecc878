import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { openPostgresPool } from '../postgres/open-postgres-pool.js';
import { migrateSqlite } from '../sqlite/migrate-sqlite.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';

/**
 * Two "nodes" for the conformance suite's concurrency cases. On SQLite: two connections to one migrated database
 * file (two processes sharing it); on PostgreSQL: a second pool on the database the harness created (another node).
 */
export interface SqliteNodes {
  readonly first: Database;
  readonly second: Database;
  /** Closes both connections and removes the file. */
  close(): void;
}

/** Two connections to one fresh, migrated SQLite file in a temporary directory. */
export function openSqliteNodes(): SqliteNodes {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-conformance-'));
  const path = join(directory, 'meridian.db');
  const first = openSqliteDatabase({ path });
  migrateSqlite(first);
  const second = openSqliteDatabase({ path });
  return {
    first,
    second,
    close: () => {
      first.close();
      second.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Another pool (another node) on the database `pool` is connected to; the caller ends it. */
export function openSecondPool(pool: Pool): Pool {
  const url = pool.options.connectionString;
  if (url === undefined) throw new Error('The pool was not opened from a connection string');
  return openPostgresPool(url);
}
