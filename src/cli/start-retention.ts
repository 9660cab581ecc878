import type { Logger } from '../observability/index.js';
import { startContentPurge, startPurge } from '../storage/index.js';
import type { ServingStorage } from '../storage/index.js';

const dayMs = 86_400_000;

/** The node's retention purges, and how to stop them (shutdown). */
export interface RetentionPurges {
  stop(): Promise<void>;
}

/**
 * Deletes what is past its retention, at start and then hourly (`limits.promptLogPurgeIntervalMs`), in bounded
 * batches: opt-in prompt logs past their org's retention, and, when `storage.generation_retention_days` is set,
 * generation records older than that (with their prompt logs; rollups and the ledger stay).
 */
export function startRetentionPurges(input: {
  readonly storage: Pick<ServingStorage, 'generationContent' | 'generationList'>;
  /** `storage.generation_retention_days`; undefined: records are kept forever. */
  readonly generationRetentionDays: number | undefined;
  readonly log: Pick<Logger, 'info' | 'error'>;
  readonly now?: () => number;
}): RetentionPurges {
  const { storage, log } = input;
  const now = input.now ?? Date.now;
  const content = startContentPurge({
    store: storage.generationContent,
    now,
    onPurged: (count) => log.info('prompt_logs_purged', { count }),
    onError: (error) => log.error('prompt_log_purge_failed', { error: String(error) }),
  });
  const days = input.generationRetentionDays;
  const generations =
    days === undefined
      ? undefined
      : startPurge({
          now,
          purgeBatch: (nowMs, rowsMax) => storage.generationList.purgeGenerationsBefore(nowMs - days * dayMs, rowsMax),
          onPurged: (count) => log.info('generations_purged', { count, retentionDays: days }),
          onError: (error) => log.error('generation_purge_failed', { error: String(error) }),
        });
  return {
    stop: async () => {
      await content.stop();
      await generations?.stop();
    },
  };
}
