import type { Database } from 'better-sqlite3';
import type { GenerationRecord, GenerationStore } from '../ports.js';
import { readGenerationRow } from '../read-generation-row.js';
import { prepareContentInsert } from './sqlite-generation-content.js';

const columns = [
  'id',
  'request_id',
  'org_id',
  'key_id',
  'app_referer',
  'app_title',
  'model_id',
  'author',
  'origin',
  'provider_id',
  'upstream_model',
  'upstream_id',
  'is_streaming',
  'tokens_input_total',
  'tokens_input_cache_read',
  'tokens_input_cache_write',
  'tokens_output_total',
  'tokens_output_reasoning',
  'is_usage_estimated',
  'cost_nanos',
  'upstream_cost_nanos',
  'finish_reason',
  'finish_reason_raw',
  'ending',
  'error_code',
  'started_at_ms',
  'finished_at_ms',
  'latency_ms',
  'ttft_ms',
  'throughput_tokens_per_second',
  'usage_raw',
] as const;

export type Row = Record<(typeof columns)[number], unknown>;

function toRow(record: GenerationRecord): unknown[] {
  return [
    record.id,
    record.requestId,
    record.orgId,
    record.keyId,
    record.appReferer,
    record.appTitle,
    record.modelId,
    record.author,
    record.origin,
    record.providerId,
    record.upstreamModel,
    record.upstreamId,
    record.isStreaming ? 1 : 0,
    record.tokensInputTotal,
    record.tokensInputCacheRead,
    record.tokensInputCacheWrite,
    record.tokensOutputTotal,
    record.tokensOutputReasoning,
    record.isUsageEstimated ? 1 : 0,
    record.costNanos,
    record.upstreamCostNanos,
    record.finishReason,
    record.finishReasonRaw,
    record.ending,
    record.errorCode,
    record.startedAtMs,
    record.finishedAtMs,
    record.latencyMs,
    record.ttftMs,
    record.throughputTokensPerSecond,
    record.usageRaw,
  ];
}

/** Every stored generation, in batches of `batchSize` (by id), for a one-time rebuild such as the rollups' backfill. */
export function* scanGenerations(database: Database, batchSize: number): Generator<readonly GenerationRecord[]> {
  const page = database.prepare('SELECT * FROM generations WHERE id > ? ORDER BY id LIMIT ?').safeIntegers(true);
  let afterId = '';
  for (;;) {
    const rows = page.all(afterId, batchSize) as Row[];
    if (rows.length === 0) return;
    const records = rows.map(readGenerationRow);
    yield records;
    afterId = records.at(-1)!.id;
  }
}

/**
 * GenerationStore on SQLite; statements prepared once. A batch is one
 * transaction: all its records or none. Rows are read with safe integers, so
 * money comes back as the exact bigint that went in. A record's `content` is
 * inserted with it (bounded; only while its org has prompt logging on).
 */
export function createSqliteGenerationStore(
  database: Database,
  options: {
    /**
     * Runs inside the batch transaction before each insert and returns the record to store: the ledger
     * settlement of the call, whose actual charge becomes the record's cost (they can never disagree).
     */
    readonly settle?: (record: GenerationRecord) => GenerationRecord;
    /** Runs inside the batch transaction with the records actually inserted (the usage rollups). */
    readonly afterInsert?: (inserted: readonly GenerationRecord[]) => void;
    /** Runs each batch's transaction (by default on its own; the ledger runs it with its pending admissions). */
    readonly runBatch?: <T>(batch: () => T) => T;
    /** Bound on a record's stored `content` (default `limits.promptLogBytesMax`). */
    readonly contentBytesMax?: number;
  } = {},
): GenerationStore {
  // Idempotent by id only: `ON CONFLICT (id) DO NOTHING`, not `INSERT OR IGNORE`, which would also drop a row
  // that breaks a CHECK or NOT NULL constraint silently, and the writer would report it committed.
  const insert = database.prepare(
    `INSERT INTO generations (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
     ON CONFLICT (id) DO NOTHING`,
  );
  const find = database.prepare('SELECT * FROM generations WHERE id = ?').safeIntegers(true);
  // An opted-in org's prompt and completion go in the same transaction as their record (never without it).
  const insertContent = prepareContentInsert(database, options.contentBytesMax);
  const insertMany = database.transaction((records: readonly GenerationRecord[]) => {
    const inserted: GenerationRecord[] = [];
    const stored = records.map((record) => {
      const storedRecord = options.settle === undefined ? record : options.settle(record);
      // A replayed id inserts nothing, and so must not count again downstream.
      if (insert.run(toRow(storedRecord)).changes === 1) {
        inserted.push(storedRecord);
        insertContent(storedRecord);
      }
      return storedRecord;
    });
    options.afterInsert?.(inserted);
    return stored;
  });
  return {
    insertGenerations: (records) =>
      options.runBatch === undefined ? insertMany(records) : options.runBatch(() => insertMany(records)),
    findGeneration: (id) => {
      const row = find.get(id) as Row | undefined;
      return row === undefined ? undefined : readGenerationRow(row);
    },
  };
}
