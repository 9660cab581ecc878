import type { Database } from 'better-sqlite3';
import type { GenerationRecord } from '../../storage/index.js';
import { migrateSqlite, openSqliteDatabase } from '../../storage/index.js';
import { applyToRollups } from './apply-to-rollups.js';

/** A migrated database, in memory unless a path is given. */
export function openTestDatabase(path = ':memory:'): Database {
  const database = openSqliteDatabase({ path });
  migrateSqlite(database);
  return database;
}

/** A generation record with every field set; usage 1000 prompt (800 cached) + 200 completion (50 reasoning). */
export function createRecord(id: string, overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    id,
    requestId: `req-${id}`,
    orgId: 'org-a',
    keyId: 'key-a',
    appReferer: null,
    appTitle: null,
    modelId: 'deepseek/deepseek-v3.2',
    author: 'deepseek',
    origin: 'CN',
    providerId: 'deepseek',
    upstreamModel: 'deepseek-chat',
    upstreamId: null,
    isStreaming: true,
    tokensInputTotal: 1000,
    tokensInputCacheRead: 800,
    tokensInputCacheWrite: 0,
    tokensOutputTotal: 200,
    tokensOutputReasoning: 50,
    isUsageEstimated: false,
    costNanos: 1_000n,
    upstreamCostNanos: 700n,
    finishReason: 'stop',
    finishReasonRaw: 'stop',
    ending: 'success',
    errorCode: null,
    startedAtMs: Date.UTC(2026, 5, 30, 12) - 1_000,
    finishedAtMs: Date.UTC(2026, 5, 30, 12),
    latencyMs: 1_000,
    ttftMs: 100,
    throughputTokensPerSecond: 200,
    usageRaw: null,
    ...overrides,
  };
}

/**
 * What the generation store does once the rollups are wired in: one transaction inserts the batch with
 * `ON CONFLICT (id) DO NOTHING` and adds only the rows actually inserted to the rollups.
 *
 * @returns the records that were new.
 */
export function writeGenerations(database: Database, records: readonly GenerationRecord[]): GenerationRecord[] {
  const insert = database.prepare(
    `INSERT INTO generations (id, request_id, org_id, key_id, app_referer, app_title, model_id, author, origin,
       provider_id, upstream_model, is_streaming, tokens_input_total, tokens_input_cache_read, tokens_output_total,
       tokens_output_reasoning, is_usage_estimated, cost_nanos, upstream_cost_nanos, ending, started_at_ms,
       finished_at_ms, latency_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  return database.transaction(() => {
    const inserted = records.filter(
      (record) =>
        insert.run(
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
          record.tokensInputTotal,
          record.tokensInputCacheRead,
          record.tokensOutputTotal,
          record.tokensOutputReasoning,
          record.isUsageEstimated ? 1 : 0,
          record.costNanos,
          record.upstreamCostNanos,
          record.ending,
          record.startedAtMs,
          record.finishedAtMs,
          record.latencyMs,
        ).changes === 1,
    );
    applyToRollups(database, inserted);
    return inserted;
  })();
}
