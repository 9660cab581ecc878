import type { GenerationRecord } from '../ports.js';
import { describeError } from './journal-line.js';
import type { JournalSegment } from './journal-segment.js';

/** The store the journal drains into; PostgreSQL's `insertGenerations` (one transaction, idempotent by id). */
export interface JournalStore {
  insertGenerations(
    records: readonly GenerationRecord[],
  ): GenerationRecord[] | readonly GenerationRecord[] | Promise<readonly GenerationRecord[]>;
}

/** A durable record waiting for the store. */
export interface JournalEntry {
  readonly record: GenerationRecord;
  readonly segment: JournalSegment;
  /** When it became durable (or was replayed), by the writer's clock. */
  readonly durableAtMs: number;
  /** Resolves the caller's `write()` with the record as stored, if it still waits; undefined for replayed records. */
  readonly settle: ((stored: GenerationRecord) => void) | undefined;
}

/** Moves durable records into the store, in journal order, one `insertGenerations` call at a time. */
export interface JournalFlusher {
  add(entries: readonly JournalEntry[]): void;
  /** Entries durable but not yet stored. */
  readonly depth: number;
  /** Cancels a pending back-off and tries the store now (shutdown). */
  retryNow(): void;
  /** Resolves when every entry is stored, the flusher is stopped, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** No further store calls; a call in flight is ignored when it ends (its records stay in the journal). */
  stop(): void;
}

/**
 * The flusher: takes up to `batchCountMax` entries from the head of the journal and inserts them; an entry leaves
 * the journal only once `insertGenerations` resolved for its batch. A failure is reported and retried after a
 * back-off that doubles from `retryDelayMsMin` to `retryDelayMsMax`; records that arrive meanwhile wait behind the
 * head, so order holds and the store is not hammered. A store call is never abandoned for another: the store bounds
 * its own calls (PostgreSQL statement and connection timeouts), and a batch retried after an ambiguous failure is
 * absorbed by the store's idempotency.
 */
export function createJournalFlusher(options: {
  readonly store: JournalStore;
  readonly batchCountMax: number;
  readonly retryDelayMsMin: number;
  readonly retryDelayMsMax: number;
  /** Clock for the age of the oldest waiting record in failure reports. */
  readonly now: () => number;
  /** `batch` reached the store; `stored[i]` is `batch[i]` as stored. */
  readonly onStored: (batch: readonly JournalEntry[], stored: readonly GenerationRecord[]) => void;
  readonly onError: (error: unknown) => void;
}): JournalFlusher {
  const waiting = createEntryQueue();
  const progressListeners = new Set<() => void>();
  let isRunning = false;
  let isStopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelayMs = options.retryDelayMsMin;

  function notifyProgress(): void {
    for (const listener of [...progressListeners]) listener();
  }

  function kick(): void {
    if (isRunning || isStopped || retryTimer !== undefined || waiting.length === 0) return;
    isRunning = true;
    void insertBatches().finally(() => {
      isRunning = false;
      notifyProgress();
    });
  }

  async function insertBatches(): Promise<void> {
    while (waiting.length > 0 && !isStopped) {
      const batch = waiting.peek(options.batchCountMax);
      let stored: readonly GenerationRecord[];
      try {
        stored = await options.store.insertGenerations(batch.map((entry) => entry.record));
      } catch (error) {
        if (!isStopped) scheduleRetry(error);
        return;
      }
      if (isStopped) return;
      waiting.drop(batch.length);
      retryDelayMs = options.retryDelayMsMin;
      options.onStored(batch, stored);
      notifyProgress();
    }
  }

  function scheduleRetry(error: unknown): void {
    const delayMs = retryDelayMs;
    retryDelayMs = Math.min(retryDelayMs * 2, options.retryDelayMsMax);
    const oldestAgeMs = options.now() - (waiting.peek(1)[0]?.durableAtMs ?? options.now());
    options.onError(
      new Error(
        `settlement journal: the store failed; ${waiting.length} journaled records wait (the oldest for ` +
          `${oldestAgeMs} ms); retrying in ${delayMs} ms: ${describeError(error)}`,
        { cause: error },
      ),
    );
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick();
    }, delayMs);
  }

  return {
    add(added) {
      waiting.push(added);
      kick();
    },
    get depth() {
      return waiting.length;
    },
    retryNow() {
      if (retryTimer === undefined) return;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      kick();
    },
    async drain(timeoutMs) {
      let isTimedOut = false;
      const timer = setTimeout(() => {
        isTimedOut = true;
        notifyProgress();
      }, timeoutMs);
      try {
        while (waiting.length > 0 && !isStopped && !isTimedOut) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              progressListeners.delete(done);
              resolve();
            };
            progressListeners.add(done);
          });
        }
      } finally {
        clearTimeout(timer);
      }
    },
    stop() {
      isStopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      notifyProgress();
    },
  };
}

/** A FIFO of entries that drops from the head without moving the rest each time (a replayed backlog is large). */
function createEntryQueue() {
  let items: JournalEntry[] = [];
  let head = 0;
  return {
    get length() {
      return items.length - head;
    },
    push(added: readonly JournalEntry[]): void {
      for (const entry of added) items.push(entry);
    },
    peek(count: number): JournalEntry[] {
      return items.slice(head, head + count);
    },
    drop(count: number): void {
      head += count;
      if (head >= 1024 && head * 2 >= items.length) {
        items = items.slice(head);
        head = 0;
      }
    },
  };
}
