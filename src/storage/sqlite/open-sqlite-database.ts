import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const sqliteBusyTimeoutMs = 5_000;

/**
 * What the WAL file is cut back to once a checkpoint has copied it all (`journal_size_limit`). A long read (a backup,
 * `ledger verify`, an analytics query) keeps every later commit in the WAL until it ends; without a limit the file
 * then stays at that size for good.
 */
export const sqliteWalBytesMax = 16 * 1024 * 1024;

/**
 * Opens a SQLite database file (creating its directory) with the settings every
 * Meridian connection uses, or an in-memory database for `':memory:'` (tests).
 *
 * - `journal_mode=WAL`: readers never block the writer, and a commit is one
 *   sequential append to the WAL file.
 * - `synchronous=FULL` (RELIABILITY.md decision 9): every commit is fsync'd before
 *   it returns, so a settled charge survives power loss, not only a process crash.
 *   What keeps that affordable is group commit: generation records and their
 *   settlements, and admitted holds, each commit many requests at once (one fsync,
 *   about 0.4 ms here, per batch).
 * - `temp_store=MEMORY`: the statement journals of savepoints stay in memory; on
 *   disk they cost about 50 µs per ledger posting.
 * - `busy_timeout`: another process (the CLI next to a running server) holding the
 *   write lock makes us wait up to `busyTimeoutMs` (default {@link sqliteBusyTimeoutMs}), not
 *   fail at once. better-sqlite3 waits synchronously: the serving node passes a short bound
 *   (`limits.sqliteServeBusyTimeoutMs`), since its whole event loop waits with the statement.
 * - `foreign_keys=ON`: SQLite leaves them off by default; keys must belong to orgs.
 * - `journal_size_limit`: the WAL a long read let grow is cut back to {@link sqliteWalBytesMax} after the next
 *   complete checkpoint, instead of keeping its largest size on disk.
 */
export function openSqliteDatabase(options: {
  readonly path: string;
  /** `full` (default) or `normal`: config `storage.sqlite_synchronous`. */
  readonly synchronous?: 'full' | 'normal';
  /** How long a statement waits for another connection's write lock (default {@link sqliteBusyTimeoutMs}). */
  readonly busyTimeoutMs?: number;
}): Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? sqliteBusyTimeoutMs;
  const database = new BetterSqlite3(options.path, { timeout: busyTimeoutMs });
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    database.pragma('foreign_keys = ON');
    database.pragma('temp_store = MEMORY');
    database.pragma(`journal_size_limit = ${sqliteWalBytesMax}`);
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
