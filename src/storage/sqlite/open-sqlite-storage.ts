import { createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import {
  applyToRollups,
  createAppNameBudget,
  queryActivity,
  queryRankings,
  queryTimeSeries,
} from '../../analytics/index.js';
import type { GenerationStore, Storage } from '../ports.js';
import { createIdempotencyService } from '../../idempotency/index.js';
import { createSqliteLedger } from '../../ledger/index.js';
import type { Ledger, SqliteLedgerOptions } from '../../ledger/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { createSqliteCreditCodeStore } from './sqlite-credit-code-store.js';
import { openSqliteDatabase, sqliteBusyTimeoutMs } from './open-sqlite-database.js';
import { createSqliteGenerationContentStore } from './sqlite-generation-content.js';
import { createSqliteGenerationList } from './sqlite-generation-list.js';
import { createSqliteGenerationStore, scanGenerations } from './sqlite-generation-store.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import { createSqliteOrgStore } from './sqlite-org-store.js';
import { createSqliteProviderStore } from './sqlite-provider-store.js';
import { createSqliteWriteBreaker, isSqliteWriteFailure } from './sqlite-write-breaker.js';
import type { SqliteWriteBreaker, WriteHealth } from './sqlite-write-breaker.js';

/** The serving node's guard against a database it cannot write (see {@link createSqliteWriteBreaker}). */
export interface SqliteWriteGuardOptions {
  /** Free bytes the database's disk must keep; below, model calls are refused (0: not checked). */
  readonly freeBytesMin: number;
  /** Called when the database becomes unwritable or writable again (the node logs it). */
  readonly onChange?: (health: WriteHealth) => void;
  /**
   * How long a write waits for another process's lock before it fails and opens the breaker (default
   * `sqliteBusyTimeoutMs`). The wait is synchronous, so it stalls every call of the node; a serving node passes
   * `limits.sqliteServeBusyTimeoutMs`.
   */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens the embedded SQLite storage at `path` (its directory is created; `':memory:'`
 * for tests), migrates it, and returns the stores over one connection. WAL with
 * `synchronous=FULL`: see {@link openSqliteDatabase} for why and what it costs.
 */
export function openSqliteStorage(options: {
  readonly path: string;
  readonly ledger?: SqliteLedgerOptions;
  readonly synchronous?: 'full' | 'normal';
  /** Refuse model calls while the database cannot be written (default: only a failed write counts, no disk floor). */
  readonly writeGuard?: SqliteWriteGuardOptions;
  /**
   * Seals stored Idempotency-Key answers: a serving node passes the key derived from its key pepper
   * (src/cli/open-storage.ts), so they open after a restart and in every process sharing the file. Default: a random
   * key of this process (tests, and commands that replay nothing); never a plaintext store.
   */
  readonly idempotencySealKey?: KeyObject;
}): Storage {
  const busyTimeoutMs = options.writeGuard?.busyTimeoutMs ?? sqliteBusyTimeoutMs;
  const database = openSqliteDatabase({ ...options, busyTimeoutMs });
  let breaker: SqliteWriteBreaker | undefined;
  try {
    const applied = migrateSqlite(database);
    if (applied.includes(usageRollupsMigration)) backfillRollups(database);
    breaker = openWriteBreaker(database, options.path, options.writeGuard);
    const guard = breaker;
    const ledger = createSqliteLedger(database, {
      ...options.ledger,
      onFlushError: (error) => {
        // A queued hold's write that failed because the database cannot be written is the breaker's to report
        // (once per change), not every retry's; any other failure is reported each time.
        const isReported = guard.health.isWritable || !isSqliteWriteFailure(error);
        guard.noteFailure(error);
        if (isReported) options.ledger?.onFlushError?.(error);
      },
    });
    const sealKey = options.idempotencySealKey ?? createSecretKey(randomBytes(32));
    const idempotency = createIdempotencyService({ database, sealKey, now: Date.now });
    const admitApp = createAppNameBudget();
    return {
      driver: 'sqlite',
      ledger: guardAdmission(ledger, guard),
      creditCodes: createSqliteCreditCodeStore(database, ledger),
      idempotency: { run: (input, handler) => (guard.assertWritable(), idempotency.run(input, handler)) },
      analytics: {
        rankings: (params) => queryRankings(database, params),
        timeSeries: (params) => queryTimeSeries(database, params),
        activity: (params) => queryActivity(database, params),
      },
      generations: guardRecords(
        createSqliteGenerationStore(database, {
          afterInsert: (inserted) => applyToRollups(database, inserted, admitApp),
          // Queued admissions commit with the batch (one fsync); if the batch fails they stay queued.
          runBatch: (batch) => ledger.withPendingWritten(batch),
          settle: (record) =>
            record.settlement === undefined
              ? record
              : { ...record, costNanos: ledger.settle(record.settlement).chargedNanos },
        }),
        guard,
      ),
      generationContent: createSqliteGenerationContentStore(database),
      generationList: createSqliteGenerationList(database),
      keys: createSqliteKeyStore(database),
      orgs: createSqliteOrgStore(database),
      providers: createSqliteProviderStore(database),
      ping: () => {
        guard.assertWritable();
        database.prepare('SELECT 1').get();
      },
      close: () => {
        guard.close();
        ledger.flushPending();
        database.close();
      },
    };
  } catch (error) {
    breaker?.close();
    database.close();
    throw error;
  }
}

function openWriteBreaker(database: Database, path: string, guard: SqliteWriteGuardOptions | undefined) {
  return createSqliteWriteBreaker({
    directory: path === ':memory:' ? '.' : dirname(path),
    freeBytesMin: path === ':memory:' ? 0 : (guard?.freeBytesMin ?? 0),
    probe: createProbeWrite(database, guard?.busyTimeoutMs ?? sqliteBusyTimeoutMs),
    ...(guard?.onChange === undefined ? {} : { onChange: guard.onChange }),
  });
}

/**
 * The breaker's probe: one row rewritten in its own IMMEDIATE transaction. It does not wait for another process's
 * write lock (busy timeout 0 for its duration): a lock held elsewhere fails it at once, and the next check tries again,
 * instead of the event loop waiting out the busy timeout every second; the connection's own (`busyTimeoutMs`) is put back.
 */
export function createProbeWrite(database: Database, busyTimeoutMs = sqliteBusyTimeoutMs): () => void {
  const upsert = database.prepare<[number]>(
    `INSERT INTO storage_probe (id, probed_at_ms) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET probed_at_ms = excluded.probed_at_ms`,
  );
  const write = database.transaction((nowMs: number) => upsert.run(nowMs));
  return () => {
    database.pragma('busy_timeout = 0');
    try {
      write.immediate(Date.now());
    } finally {
      database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
  };
}

/** Admission refuses at once while the database cannot be written: the call never goes upstream. */
function guardAdmission(ledger: Ledger, breaker: SqliteWriteBreaker): Ledger {
  return {
    ...ledger,
    placeHold: (input) => {
      breaker.assertWritable();
      return ledger.placeHold(input);
    },
  };
}

/** A batch that fails because the database cannot be written marks it so, and fails as 503 `ledger_unavailable`. */
function guardRecords(store: GenerationStore, breaker: SqliteWriteBreaker): GenerationStore {
  return { ...store, insertGenerations: (records) => breaker.guardWrite(() => store.insertGenerations(records)) };
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
