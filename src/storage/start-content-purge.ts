import { limits } from '../config/limits.js';
import type { GenerationContentStore, ServingPort } from './ports.js';

export interface ContentPurgeRunOptions {
  /** The SQLite store, or one that answers through promises (PostgreSQL): each batch is awaited. */
  readonly store: ServingPort<GenerationContentStore>;
  readonly now?: () => number;
  /** Rows per transaction (default `limits.promptLogPurgeBatchRowsMax`). */
  readonly batchRowsMax?: number;
  /** Batches per run (default `limits.promptLogPurgeBatchesPerRunMax`); a larger backlog waits for the next run. */
  readonly batchesPerRunMax?: number;
  /** Checked before each batch: false ends the run early (shutdown). */
  readonly shouldContinue?: () => boolean;
}

/**
 * One purge run: deletes expired prompt logs (past their org's retention, or of an org with logging off) in
 * batches, each its own short transaction with an event-loop turn between them, so calls keep being served and
 * committed during a large purge. Ends when a batch finds less than a full batch to delete, or at the run's bound.
 * Resolves with the number of rows deleted.
 */
export async function runContentPurge(options: ContentPurgeRunOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const batchRowsMax = options.batchRowsMax ?? limits.promptLogPurgeBatchRowsMax;
  const batchesPerRunMax = options.batchesPerRunMax ?? limits.promptLogPurgeBatchesPerRunMax;
  let deletedTotal = 0;
  for (let batch = 0; batch < batchesPerRunMax; batch += 1) {
    if (options.shouldContinue?.() === false) break;
    const deleted = await options.store.purgeExpiredContent(now(), batchRowsMax);
    deletedTotal += deleted;
    if (deleted < batchRowsMax) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return deletedTotal;
}

export interface ContentPurge {
  /** Stops the timer and ends a run in progress after its current batch; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * The serving node's prompt-log retention: a purge run at once, then every `intervalMs` (default
 * `limits.promptLogPurgeIntervalMs`); runs never overlap. A failed run is reported and the next one tries again.
 */
export function startContentPurge(
  options: Omit<ContentPurgeRunOptions, 'shouldContinue'> & {
    readonly intervalMs?: number;
    /** Called after each run that deleted rows. */
    readonly onPurged?: (deletedCount: number) => void;
    readonly onError: (error: unknown) => void;
  },
): ContentPurge {
  let isStopped = false;
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running !== undefined || isStopped) return;
    running = runContentPurge({ ...options, shouldContinue: () => !isStopped })
      .then(
        (deletedCount) => {
          if (deletedCount > 0) options.onPurged?.(deletedCount);
        },
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? limits.promptLogPurgeIntervalMs);
  timer.unref();
  return {
    stop: async () => {
      isStopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
