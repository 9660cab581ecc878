import type { Database } from 'better-sqlite3';
import { applyToRollups, queryActivity, queryRankings, queryTimeSeries } from '../../analytics/index.js';
import type { Storage } from '../ports.js';
import { createIdempotencyService } from '../../idempotency/index.js';
import { createSqliteLedger } from '../../ledger/index.js';
import type { SqliteLedgerOptions } from '../../ledger/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { createSqliteCreditCodeStore } from './sqlite-credit-code-store.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSqliteGenerationContentStore } from './sqlite-generation-content.js';
import { createSqliteGenerationList } from './sqlite-generation-list.js';
import { createSqliteGenerationStore, scanGenerations } from './sqlite-generation-store.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';
import { createSqliteProviderStore } from './sqlite-provider-store.js';

/**
 * Opens the embedded SQLite storage at `path` (its directory is created; `':memory:'`
 * for tests), migrates it, and returns the stores over one connection. WAL with
 * `synchronous=FULL`: see {@link openSqliteDatabase} for why and what it costs.
 */
export function openSqliteStorage(options: {
  readonly path: string;
  readonly ledger?: SqliteLedgerOptions;
  readonly synchronous?: 'full' | 'normal';
}): Storage {
  const database = openSqliteDatabase(options);
  try {
    const applied = migrateSqlite(database);
    if (applied.includes(usageRollupsMigration)) backfillRollups(database);
    const ledger = createSqliteLedger(database, options.ledger);
    return {
      driver: 'sqlite',
      ledger,
      creditCodes: createSqliteCreditCodeStore(database, ledger),
      idempotency: createIdempotencyService({ database, now: Date.now }),
      analytics: {
        rankings: (params) => queryRankings(database, params),
        timeSeries: (params) => queryTimeSeries(database, params),
        activity: (params) => queryActivity(database, params),
      },
      generations: createSqliteGenerationStore(database, {
        afterInsert: (inserted) => applyToRollups(database, inserted),
        // Queued admissions commit with the batch (one fsync); if the batch fails they stay queued.
        runBatch: (batch) => ledger.withPendingWritten(batch),
        settle: (record) =>
          record.settlement === undefined
            ? record
            : { ...record, costNanos: ledger.settle(record.settlement).chargedNanos },
      }),
      generationContent: createSqliteGenerationContentStore(database),
      generationList: createSqliteGenerationList(database),
      keys: createSqliteKeyStore(database),
      orgs: createSqliteOrgStore(database),
      providers: createSqliteProviderStore(database),
      ping: () => {
        database.prepare('SELECT 1').get();
      },
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

/** The migration that created the usage rollups; generations stored before it are added once, when it is applied. */
const usageRollupsMigration = 6;
const backfillBatchSize = 1_000;

function backfillRollups(database: Database): void {
  const addBatch = database.transaction((records: readonly Parameters<typeof applyToRollups>[1][number][]) =>
    applyToRollups(database, records),
  );
  for (const records of scanGenerations(database, backfillBatchSize)) addBatch(records);
}
