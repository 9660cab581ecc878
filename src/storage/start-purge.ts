import { limits } from '../config/limits.js';
import type { GenerationContentStore, MaybePromise, ServingPort } from './ports.js';

/** What a purge run needs besides the batch itself. */
interface PurgeRunSettings {
  readonly now?: () => number;
  /** Rows per transaction (default `limits.promptLogPurgeBatchRowsMax`). */
  readonly batchRowsMax?: number;
  /** Batches per run (default `limits.promptLogPurgeBatchesPerRunMax`); a larger backlog waits for the next run. */
  readonly batchesPerRunMax?: number;
  /** Checked before each batch: false ends the run early (shutdown). */
  readonly shouldContinue?: () => boolean;
}

export interface ContentPurgeRunOptions extends PurgeRunSettings {
  /** The SQLite store, or one that answers through promises (PostgreSQL): each batch is awaited. */
  readonly store: ServingPort<GenerationContentStore>;
}

export interface PurgeRunOptions extends PurgeRunSettings {
  /** Deletes at most `rowsMax` expired rows as of `nowMs` in one transaction; answers how many. */
  readonly purgeBatch: (nowMs: number, rowsMax: number) => MaybePromise<number>;
}

/**
 * One purge run: deletes expired prompt logs (past their org's retention, or of an org with logging off) in
 * batches, each its own short transaction with an event-loop turn between them, so calls keep being served and
 * committed during a large purge. Ends when a batch finds less than a full batch to delete, or at the run's bound.
 * Resolves with the number of rows deleted.
 */
export function runContentPurge(options: ContentPurgeRunOptions): Promise<number> {
  return runPurge({ ...options, purgeBatch: (nowMs, rowsMax) => options.store.purgeExpiredContent(nowMs, rowsMax) });
}

/** One purge run of any retention, in bounded batches (see {@link runContentPurge}). */
export async function runPurge(options: PurgeRunOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const batchRowsMax = options.batchRowsMax ?? limits.promptLogPurgeBatchRowsMax;
  const batchesPerRunMax = options.batchesPerRunMax ?? limits.promptLogPurgeBatchesPerRunMax;
  let deletedTotal = 0;
  for (let batch = 0; batch < batchesPerRunMax; batch += 1) {
    if (options.shouldContinue?.() === false) break;
    const deleted = await options.purgeBatch(now(), batchRowsMax);
    deletedTotal += deleted;
    if (deleted < batchRowsMax) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return deletedTotal;
}

export interface RunningPurge {
  /** Stops the timer and ends a run in progress after its current batch; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * The serving node's prompt-log retention: a purge run at once, then every `intervalMs` (default
 * `limits.promptLogPurgeIntervalMs`); runs never overlap. A failed run is reported and the next one tries again.
 */
export function startContentPurge(
  options: Omit<ContentPurgeRunOptions, 'shouldContinue'> & PurgeScheduleOptions,
): RunningPurge {
  return startPurge({ ...options, purgeBatch: (nowMs, rowsMax) => options.store.purgeExpiredContent(nowMs, rowsMax) });
}

export interface PurgeScheduleOptions {
  readonly intervalMs?: number;
  /** Called after each run that deleted rows. */
  readonly onPurged?: (deletedCount: number) => void;
  readonly onError: (error: unknown) => void;
}

/** A retention purge run at once, then every `intervalMs`; runs never overlap (see {@link startContentPurge}). */
export function startPurge(options: Omit<PurgeRunOptions, 'shouldContinue'> & PurgeScheduleOptions): RunningPurge {
  let isStopped = false;
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running !== undefined || isStopped) return;
    running = runPurge({ ...options, shouldContinue: () => !isStopped })
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
