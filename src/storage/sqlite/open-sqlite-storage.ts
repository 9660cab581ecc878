import type { Storage } from '../ports.js';
import { createIdempotencyService } from '../../idempotency/index.js';
import { createSqliteLedger } from '../../ledger/index.js';
import type { SqliteLedgerOptions } from '../../ledger/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { createSqliteCreditCodeStore } from './sqlite-credit-code-store.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSqliteGenerationStore } from './sqlite-generation-store.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';

/**
 * Opens the embedded SQLite storage at `path` (its directory is created; `':memory:'`
 * for tests), migrates it, and returns the stores over one connection. WAL with
 * `synchronous=FULL`: see {@link openSqliteDatabase} for why and what it costs.
 */
export function openSqliteStorage(options: { readonly path: string; readonly ledger?: SqliteLedgerOptions }): Storage {
  const database = openSqliteDatabase(options);
  try {
    migrateSqlite(database);
    const ledger = createSqliteLedger(database, options.ledger);
    return {
      ledger,
      creditCodes: createSqliteCreditCodeStore(database, ledger),
      idempotency: createIdempotencyService({ database, now: Date.now }),
      generations: createSqliteGenerationStore(database, {
        // Queued admissions commit with the batch (one fsync); if the batch fails they stay queued.
        runBatch: (batch) => ledger.withPendingWritten(batch),
        settle: (record) =>
          record.settlement === undefined
            ? record
            : { ...record, costNanos: ledger.settle(record.settlement).chargedNanos },
      }),
      keys: createSqliteKeyStore(database),
      orgs: createSqliteOrgStore(database),
      close: () => {
        ledger.flushPending();
        database.close();
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
