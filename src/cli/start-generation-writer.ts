import { join } from 'node:path';
import type { MeridianConfig } from '../config/index.js';
import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import { amendRefusedRecord } from '../http/settle-generation.js';
import type { GatewayMetrics, Logger } from '../observability/index.js';
import { createGenerationWriter, createRetainedRecords } from '../storage/index.js';
import type { GenerationStore, GenerationWriter, RetainedRecordsEvent, ServingStorage } from '../storage/index.js';
import { createJournalWriter } from '../storage/journal/index.js';
import { meterStoredRecord } from './create-gateway-metrics.js';
import type { NodeStorage } from './open-storage.js';

/** A node's writer of generation records and settlements, and how to stop it. */
export interface NodeWriter {
  readonly writer: GenerationWriter;
  /**
   * Cluster mode: the storage the node serves with, refusing paid calls (503 `ledger_unavailable`) and readiness
   * while the journal cannot be written. Embedded mode: `storage` itself (its own write breaker does the same).
   */
  guard(storage: ServingStorage): ServingStorage;
  /** Makes every accepted record durable (and, in cluster mode, tries to store the journal for a bounded time). */
  close(): Promise<void>;
}

/** How long a stopping cluster node keeps trying to empty its journal into PostgreSQL (the rest replays at start). */
export const journalCloseTimeoutMs = 5_000;

/**
 * The record writer for the node's driver. SQLite: the group commit (records, settlements and rollups in one local
 * transaction). PostgreSQL: the settlement journal (`<data_dir>/journal/`): durable locally first, then stored in
 * PostgreSQL; what an earlier run left is replayed before the node serves (ADR 2026-11-30-cluster-storage).
 */
export async function startGenerationWriter(input: {
  readonly opened: NodeStorage;
  readonly config: MeridianConfig;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly callsInFlight: { readonly count: number };
}): Promise<NodeWriter> {
  const { storage } = input.opened;
  if (storage.driver === 'sqlite') {
    const retained = retainUnwrittenRecords(storage.generations, input.log, input.metrics);
    const writer = createGenerationWriter(storage.generations, {
      batchCountMax: limits.generationBatchCountMax,
      commitWindowMs: limits.generationCommitWindowMs,
      isBusy: () => input.callsInFlight.count > 1,
      onBatchFailed: (records, error) => retained.keep(records, error),
    });
    input.metrics.connect({ retainedRecords: () => retained.count });
    // Pending records first: a last batch that fails is kept, and gets the kept records' last attempt.
    return {
      writer,
      guard: (serving) => serving,
      close: () => Promise.resolve((writer.flush(), retained.close())),
    };
  }
  const journal = createJournalWriter({
    directory: join(input.config.dataDirectory, 'journal'),
    store: storage.journalStore,
    onError: (error) => input.log.error('journal_error', { error: String(error) }),
    onWritableChange: (isWritable, detail) => {
      input.metrics.setDegraded('journal', !isWritable);
      if (isWritable) input.log.info('journal_writable', {});
      else input.log.error('journal_unwritable', { detail });
    },
  });
  input.metrics.setDegraded('journal', false);
  const replay = await journal.start();
  if (replay.recordCount > 0 || replay.tornLineCount > 0) input.log.info('journal_replayed', { ...replay });
  input.metrics.connect({ journalDepth: () => journal.depth });
  return {
    writer: journal,
    guard: (serving) => refuseWhileUnwritable(serving, () => journal.isWritable),
    close: () => journal.close(journalCloseTimeoutMs),
  };
}

/**
 * A cluster node whose journal cannot be written (a full disk) makes no paid calls: admission and readiness answer
 * 503 `ledger_unavailable` before any upstream request, as an embedded node does when its database cannot be written
 * (ADR 2026-11-30-unwritable-database). The settlements of calls already running go to PostgreSQL directly.
 */
function refuseWhileUnwritable(storage: ServingStorage, isWritable: () => boolean): ServingStorage {
  const assertWritable = (): void => {
    if (!isWritable()) throw createJournalUnwritableError();
  };
  return {
    ...storage,
    ledger: {
      ...storage.ledger,
      placeHold: (input) => {
        assertWritable();
        return storage.ledger.placeHold(input);
      },
    },
    ping: async () => {
      assertWritable();
      await storage.ping();
    },
  };
}

function createJournalUnwritableError(): GatewayError {
  return new GatewayError({
    code: 'ledger_unavailable',
    message: 'This node cannot write its settlement journal right now; nothing was charged. Retry shortly.',
    retryAfterSeconds: limits.ledgerUnavailableRetryAfterSeconds,
  });
}

/**
 * Embedded mode: the records of group commits that failed because the database could not be written (503
 * `ledger_unavailable`, a full disk) are written again once it can be (docs/operations.md, "Disk full").
 */
function retainUnwrittenRecords(store: GenerationStore, log: Logger, metrics: GatewayMetrics) {
  return createRetainedRecords(store, {
    isUnwritable: (error) => error instanceof GatewayError && error.code === 'ledger_unavailable',
    amend: amendRefusedRecord,
    countMax: limits.generationRetainedCountMax,
    retryIntervalMs: limits.generationRetryIntervalMs,
    onEvent: (event) => logRetainedEvent(log, event),
    // Stored late, outside the writer the metrics wrap: their tokens and spend are counted here.
    onStored: (stored) => stored.forEach((record) => meterStoredRecord(metrics, record)),
  });
}

function logRetainedEvent(log: Logger, event: RetainedRecordsEvent): void {
  if (event.kind === 'kept') log.warn('generation_records_kept', { count: event.count });
  else if (event.kind === 'stored') log.info('generation_records_stored_on_retry', { count: event.count });
  else if (event.kind === 'lost') log.error('generation_records_lost', { count: event.count });
  else
    log.error('generation_record_dropped', {
      generationId: event.generationId,
      reason: event.reason,
      detail: event.detail,
    });
}
