import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const sqliteBusyTimeoutMs = 5_000;

/**
 * Opens a SQLite database file (creating its directory) with the settings every
 * Meridian connection uses, or an in-memory database for `':memory:'` (tests).
 *
 * - `journal_mode=WAL`: readers never block the writer, and a commit is one
 *   sequential append to the WAL file.
 * - `synchronous=NORMAL`: a commit is written to the WAL (the OS page cache)
 *   before the call returns, but not fsync'd on every commit. That is durable
 *   across a process crash: a committed WAL frame survives SIGKILL, because the
 *   kernel still owns the written pages and the next open replays the WAL. What it
 *   does not survive is an OS crash or power loss between checkpoints. Generation
 *   records accept that (docs/adr/2026-11-22-generation-records-group-commit.md);
 *   the ledger needs power-loss durability and gets it with the credits issue
 *   (`synchronous=FULL` for ledger commits, RELIABILITY.md decision 9).
 * - `busy_timeout`: another process (the CLI next to a running server) holding the
 *   write lock makes us wait up to {@link sqliteBusyTimeoutMs}, not fail at once.
 * - `foreign_keys=ON`: SQLite leaves them off by default; keys must belong to orgs.
 */
export function openSqliteDatabase(options: { readonly path: string }): Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new BetterSqlite3(options.path, { timeout: sqliteBusyTimeoutMs });
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
