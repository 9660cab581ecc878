import { join } from 'node:path';
import type { MeridianConfig } from '../config/index.js';
import { limits } from '../config/index.js';
import type { GatewayMetrics, Logger } from '../observability/index.js';
import { createGenerationWriter } from '../storage/index.js';
import type { GenerationWriter } from '../storage/index.js';
import { createJournalWriter } from '../storage/journal/index.js';
import type { NodeStorage } from './open-storage.js';

/** A node's writer of generation records and settlements, and how to stop it. */
export interface NodeWriter {
  readonly writer: GenerationWriter;
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
    const writer = createGenerationWriter(storage.generations, {
      batchCountMax: limits.generationBatchCountMax,
      commitWindowMs: limits.generationCommitWindowMs,
      isBusy: () => input.callsInFlight.count > 1,
    });
    return { writer, close: () => Promise.resolve(writer.flush()) };
  }
  const journal = createJournalWriter({
    directory: join(input.config.dataDirectory, 'journal'),
    store: storage.journalStore,
    onError: (error) => input.log.error('journal_error', { error: String(error) }),
  });
  const replay = await journal.start();
  if (replay.recordCount > 0 || replay.tornLineCount > 0) input.log.info('journal_replayed', { ...replay });
  input.metrics.connect({ journalDepth: () => journal.depth });
  return { writer: journal, close: () => journal.close(journalCloseTimeoutMs) };
}
