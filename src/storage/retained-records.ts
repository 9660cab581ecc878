import type { GenerationRecord, GenerationStore } from './ports.js';

/** What happened to kept records: for the node's log. */
export type RetainedRecordsEvent =
  | { readonly kind: 'kept'; readonly count: number }
  | { readonly kind: 'stored'; readonly count: number }
  | { readonly kind: 'lost'; readonly count: number }
  | {
      readonly kind: 'dropped';
      readonly generationId: string;
      readonly reason: 'full' | 'refused';
      readonly detail: string;
    };

export interface RetainedRecordsOptions {
  /** Whether a commit failed because the database cannot be written now (not because a record is wrong). */
  readonly isUnwritable: (error: unknown) => boolean;
  /** The record as it is to be stored later (a call refused because its commit failed is charged nothing). */
  readonly amend: (record: GenerationRecord) => GenerationRecord;
  /** Records kept at most; past it a new one is dropped (its hold then expires by the reconciler's rule). */
  readonly countMax: number;
  readonly retryIntervalMs: number;
  readonly onEvent: (event: RetainedRecordsEvent) => void;
  /** The records as stored at last (their cost = what the ledger charged then): for the metrics. */
  readonly onStored?: (stored: readonly GenerationRecord[]) => void;
}

export interface RetainedRecords {
  /**
   * A batch's commit failed with `error`: when the database could not be written, keeps its records (at most once
   * per generation id) and retries them; any other failure is the caller's to report.
   */
  keep(records: readonly GenerationRecord[], error: unknown): void;
  readonly count: number;
  /**
   * Shutdown: one last attempt, then no more. What the database still cannot take is lost with the process (reported
   * as `lost`), as it is on a crash; those calls' holds expire by the reconciler's rule.
   */
  close(): void;
}

/**
 * The records of group commits that failed because the embedded database could not be written (a full disk): the
 * calls were served upstream, so their upstream cost (and a delivered stream's charge) is owed. They are kept in
 * memory and written again every `retryIntervalMs` until the database takes them; each settles its hold exactly once,
 * whatever settled it in between (a hold released on retry, or expired). A record the database refuses for itself
 * (not the disk) is dropped and logged, so one bad record never holds the others back.
 */
export function createRetainedRecords(store: GenerationStore, options: RetainedRecordsOptions): RetainedRecords {
  const byId = new Map<string, GenerationRecord>();
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;

  function schedule(): void {
    if (!isClosed) timer ??= setTimeout(retry, options.retryIntervalMs).unref();
  }

  function retry(): void {
    timer = undefined;
    const records = [...byId.values()];
    try {
      const stored = store.insertGenerations(records);
      byId.clear();
      options.onEvent({ kind: 'stored', count: records.length });
      options.onStored?.(stored);
    } catch (error) {
      if (!options.isUnwritable(error)) storeOneByOne(records);
    }
    if (byId.size > 0) schedule();
  }

  /** After a refusal of the whole batch: each record alone, dropping those the database refuses for themselves. */
  function storeOneByOne(records: readonly GenerationRecord[]): void {
    const stored: GenerationRecord[] = [];
    for (const record of records) {
      try {
        stored.push(...store.insertGenerations([record]));
      } catch (error) {
        if (options.isUnwritable(error)) break;
        options.onEvent({ kind: 'dropped', generationId: record.id, reason: 'refused', detail: String(error) });
      }
      byId.delete(record.id);
    }
    if (stored.length === 0) return;
    options.onEvent({ kind: 'stored', count: stored.length });
    options.onStored?.(stored);
  }

  function keep(records: readonly GenerationRecord[], error: unknown): void {
    if (!options.isUnwritable(error)) return;
    let keptCount = 0;
    for (const record of records) {
      if (byId.has(record.id)) continue;
      if (byId.size >= options.countMax) {
        const detail = `${options.countMax} records are already waiting`;
        options.onEvent({ kind: 'dropped', generationId: record.id, reason: 'full', detail });
        continue;
      }
      byId.set(record.id, options.amend(record));
      keptCount += 1;
    }
    if (keptCount > 0) options.onEvent({ kind: 'kept', count: keptCount });
    if (byId.size > 0) schedule();
  }

  return {
    keep,
    get count() {
      return byId.size;
    },
    close() {
      isClosed = true;
      clearTimeout(timer);
      if (byId.size > 0) retry();
      if (byId.size > 0) options.onEvent({ kind: 'lost', count: byId.size });
    },
  };
}
