import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Storage } from '../ports.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { createSqliteGenerationStore } from './sqlite-generation-store.js';
import { createSqliteKeyStore, createSqliteOrgStore } from './sqlite-key-store.js';

/**
 * Opens (and migrates) the embedded SQLite storage. WAL mode with
 * `synchronous=NORMAL`: a committed transaction is in the WAL file and survives
 * a process crash (SIGKILL); only an OS crash or power loss can lose the last
 * commits. The ledger will commit with FULL (docs/adr generation-records ADR).
 */
export function openSqliteStorage(options: { readonly path: string }): Storage {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new BetterSqlite3(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  migrateSqlite(database);
  return {
    generations: createSqliteGenerationStore(database),
    keys: createSqliteKeyStore(database),
    orgs: createSqliteOrgStore(database),
    close: () => database.close(),
  };
}
