import type { Storage } from '../ports.js';
import { createIdempotencyService } from '../../idempotency/index.js';
import { createSqliteLedger } from '../../ledger/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { createSqliteCreditCodeStore } from './sqlite-credit-code-store.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSqliteGenerationStore } from './sqlite-generation-store.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';

/**
 * Opens the embedded SQLite storage at `path` (its directory is created; `':memory:'`
 * for tests), migrates it, and returns the stores over one connection. WAL with
 * `synchronous=NORMAL`: see {@link openSqliteDatabase} for why that is durable
 * across a process crash and what waits for the credits issue.
 */
export function openSqliteStorage(options: { readonly path: string }): Storage {
  const database = openSqliteDatabase(options);
  try {
    migrateSqlite(database);
    const ledger = createSqliteLedger(database);
    return {
      ledger,
      creditCodes: createSqliteCreditCodeStore(database, ledger),
      idempotency: createIdempotencyService({ database, now: Date.now }),
      generations: createSqliteGenerationStore(database, {
        settle: (record) =>
          record.settlement === undefined
            ? record
            : { ...record, costNanos: ledger.settle(record.settlement).chargedNanos },
      }),
      keys: createSqliteKeyStore(database),
      orgs: createSqliteOrgStore(database),
      close: () => database.close(),
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
