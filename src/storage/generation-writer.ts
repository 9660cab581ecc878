import { strict as assert } from 'node:assert';
import type { GenerationRecord, GenerationStore } from './ports.js';

export interface GenerationWriter {
  /** Queues a record; resolves with it as stored once committed (rejects if its batch failed). */
  write(record: GenerationRecord): Promise<GenerationRecord>;
  /** Commits everything queued now, synchronously (shutdown). */
  flush(): void;
  readonly pendingCount: number;
}

interface Pending {
  readonly record: GenerationRecord;
  readonly resolve: (stored: GenerationRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit over any {@link GenerationStore}: records queued during one
 * event-loop turn are inserted in one transaction on `setImmediate` (or at once
 * when `batchCountMax` are queued). The hot path does no I/O per record, yet the
 * pipeline can await `write()` (durability) before it sends a response's last
 * bytes. Under load (the last commit was less than `commitWindowMs` ago and
 * `isBusy()`), the commit waits that window to gather a bigger batch
 * (`limits.generationCommitWindowMs`).
 *
 * If the store throws, the promises of that batch reject with its error (the
 * caller logs it) and `onBatchFailed` sees the batch (the embedded node keeps it to write again,
 * `retained-records.ts`); batches before and after are unaffected.
 */
export function createGenerationWriter(
  store: GenerationStore,
  options: {
    readonly batchCountMax: number;
    readonly commitWindowMs?: number;
    /** Whether other records are likely to arrive soon (other calls in flight): only then is the window worth waiting. */
    readonly isBusy?: () => boolean;
    readonly now?: () => number;
    /** A batch's commit failed: its records, before their promises reject. */
    readonly onBatchFailed?: (records: readonly GenerationRecord[], error: unknown) => void;
  },
): GenerationWriter {
  assert.ok(Number.isInteger(options.batchCountMax) && options.batchCountMax >= 1, 'batchCountMax must be ≥ 1');
  const commitWindowMs = options.commitWindowMs ?? 0;
  const now = options.now ?? Date.now;
  let queue: Pending[] = [];
  let isScheduled = false;
  let timer: NodeJS.Timeout | undefined;
  let lastCommitAtMs = Number.NEGATIVE_INFINITY;

  const isBusy = options.isBusy ?? (() => true);

  /** Idle: commit on the next turn. Busy (other calls in flight, last commit within the window): wait to batch more. */
  function schedule(): void {
    isScheduled = true;
    if (now() - lastCommitAtMs < commitWindowMs && isBusy()) timer = setTimeout(commit, commitWindowMs);
    else setImmediate(commit);
  }

  function commit(): void {
    isScheduled = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return;
    lastCommitAtMs = now();
    const batch = queue;
    queue = [];
    let stored: readonly GenerationRecord[];
    try {
      stored = store.insertGenerations(batch.map((pending) => pending.record));
    } catch (error) {
      options.onBatchFailed?.(
        batch.map((pending) => pending.record),
        error,
      );
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(stored[index] ?? pending.record));
  }

  return {
    write(record) {
      return new Promise<GenerationRecord>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        if (queue.length >= options.batchCountMax) commit();
        else if (!isScheduled) schedule();
      });
    },
    flush: commit,
    get pendingCount() {
      return queue.length;
    },
  };
}
