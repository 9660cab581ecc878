import { strict as assert } from 'node:assert';
import { unlink } from 'node:fs/promises';
import { GatewayError } from '../../errors/index.js';
import type { GenerationWriter } from '../generation-writer.js';
import type { GenerationRecord } from '../ports.js';
import { createJournalAppender } from './create-journal-appender.js';
import type { QueuedRecord } from './create-journal-appender.js';
import { createJournalFlusher } from './create-journal-flusher.js';
import type { JournalEntry, JournalStore } from './create-journal-flusher.js';
import { createJournalSegments } from './create-journal-segments.js';
import { createJournalHealth } from './create-journal-health.js';
import { journalDefaults } from './journal-defaults.js';
import { convertRecordToJson, describeError, journalLineOverheadBytesMax } from './journal-line.js';
import type { JournalSegment } from './journal-segment.js';
import { readJournalDirectory } from './read-journal-directory.js';
import type { ReplayedSegment } from './read-journal-directory.js';

/** How a node's journal is set up; the bounds default to {@link journalDefaults}. */
export interface JournalWriterOptions {
  /** The node's own journal directory (created if missing); one writer per directory. */
  readonly directory: string;
  readonly store: JournalStore;
  /** Records per store call (default {@link journalDefaults}`.batchCountMax`). */
  readonly batchCountMax?: number;
  /** How long `write()` waits for the store once its record is durable (default `journalDefaults.storeWaitMs`). */
  readonly storeWaitMs?: number;
  /** First back-off after a store failure (default `journalDefaults.retryDelayMsMin`). */
  readonly retryDelayMsMin?: number;
  /** Longest back-off between store attempts (default `journalDefaults.retryDelayMsMax`). */
  readonly retryDelayMsMax?: number;
  /** Bound on the journal's bytes (default `journalDefaults.bytesMax`). */
  readonly bytesMax?: number;
  /** Size at which a segment stops taking appends (default `journalDefaults.segmentBytesMax`). */
  readonly segmentBytesMax?: number;
  /** How often a probe tries the directory again after a failed append (default `journalDefaults.probeIntervalMs`). */
  readonly probeIntervalMs?: number;
  /** Store failures, torn lines found at start, failed appends, failed deletions: for the log. */
  readonly onError: (error: unknown) => void;
  /** The journal became unwritable (an append failed; `detail` says why) or writable again: for the log and metrics. */
  readonly onWritableChange?: (isWritable: boolean, detail: string | undefined) => void;
  /** Clock for the ages in failure reports. */
  readonly now?: () => number;
}

/** What `start()` found in the directory. */
export interface JournalReplay {
  /** Records scheduled for the store, ahead of any new write. */
  readonly recordCount: number;
  /** Segment files they came from (files with no record left are deleted). */
  readonly segmentCount: number;
  /** Damaged lines of unfinished last writes, ignored and reported. */
  readonly tornLineCount: number;
}

/** The cluster-mode {@link GenerationWriter}: records are durable in a local journal, then stored. */
export interface JournalWriter extends GenerationWriter {
  /** Replays what an earlier run left (see the module documentation); writes are accepted once it resolves. */
  start(): Promise<JournalReplay>;
  /**
   * Makes queued records durable, then drains the journal to the store for at most `timeoutMs`; what is not
   * stored stays on disk for the next start. Later writes reject with `shutting_down`.
   */
  close(timeoutMs: number): Promise<void>;
  /** Records durable in the journal but not yet stored (`meridian_journal_depth`). */
  readonly depth: number;
  /**
   * False from a failed append (a full disk) until an append or a probe succeeds: the node then refuses paid calls
   * (503 `ledger_unavailable`) and readiness, as an embedded node does on its own disk.
   */
  readonly isWritable: boolean;
}

type State = 'new' | 'starting' | 'open' | 'closing' | 'closed';

/**
 * Creates the settlement journal's writer over `options.directory` and `options.store`. Guarantees, file layout
 * and recovery are described in this module's `index.ts`.
 */
export function createJournalWriter(options: JournalWriterOptions): JournalWriter {
  const settings = {
    directory: options.directory,
    store: options.store,
    batchCountMax: options.batchCountMax ?? journalDefaults.batchCountMax,
    storeWaitMs: options.storeWaitMs ?? journalDefaults.storeWaitMs,
    retryDelayMsMin: options.retryDelayMsMin ?? journalDefaults.retryDelayMsMin,
    retryDelayMsMax: options.retryDelayMsMax ?? journalDefaults.retryDelayMsMax,
    bytesMax: options.bytesMax ?? journalDefaults.bytesMax,
    segmentBytesMax: options.segmentBytesMax ?? journalDefaults.segmentBytesMax,
    probeIntervalMs: options.probeIntervalMs ?? journalDefaults.probeIntervalMs,
    probeBytes: journalDefaults.probeBytes,
  };
  assertSettings(settings);
  const now = options.now ?? Date.now;
  /** A logger that throws must not stop a retry from being scheduled or an append from settling. */
  const onError = (error: unknown): void => {
    try {
      options.onError(error);
    } catch {
      // Nothing to report it to.
    }
  };
  const storeWaits = new Set<() => void>();
  let state: State = 'new';
  let closing: Promise<void> | undefined;

  const segments = createJournalSegments({ ...settings, onError });
  const flusher = createJournalFlusher({ ...settings, now, onStored, onError });
  const appender = createJournalAppender({ segments, onDurable, onFailed, onError });
  const health = createJournalHealth({
    directory: settings.directory,
    probeIntervalMs: settings.probeIntervalMs,
    probeBytes: settings.probeBytes,
    onChange: (isWritable, detail) => options.onWritableChange?.(isWritable, detail),
  });
  /** Records of failed appends on their way to the store directly (close waits for them). */
  const directStores = new Set<Promise<void>>();

  function onDurable(records: readonly QueuedRecord[], segment: JournalSegment): void {
    health.noteSuccess();
    const durableAtMs = now();
    const settlers = startStoreWait(records);
    flusher.add(
      records.map((queued, index) => ({ record: queued.record, segment, durableAtMs, settle: settlers[index] })),
    );
  }

  /** Each record's `write()` resolves with it as stored, or as journaled once `storeWaitMs` have passed. */
  function startStoreWait(records: readonly QueuedRecord[]): ((stored: GenerationRecord) => void)[] {
    const isSettled = records.map(() => false);
    let unsettledCount = records.length;
    const settle = (index: number, value: GenerationRecord): void => {
      if (isSettled[index] === true) return;
      isSettled[index] = true;
      records[index]!.resolve(value);
      unsettledCount -= 1;
      if (unsettledCount > 0) return;
      clearTimeout(timer);
      storeWaits.delete(expire);
    };
    const expire = (): void => records.forEach((queued, index) => settle(index, queued.record));
    // Declared after `settle`, which reads it only once the timer exists (every settle happens in a later turn).
    const timer = setTimeout(expire, settings.storeWaitMs);
    storeWaits.add(expire);
    return records.map((_, index) => (stored) => settle(index, stored));
  }

  /**
   * The records of a failed append are not durable here, but the calls they settle were served: they go to the store
   * at once, in one call (idempotent, like a journal batch), and each `write()` resolves with its record as stored.
   * Only when the store cannot take them either does `write()` reject with 503 `ledger_unavailable`.
   */
  function onFailed(records: readonly QueuedRecord[], error: unknown): void {
    health.noteFailure(error);
    const stored = Promise.resolve()
      .then(() => settings.store.insertGenerations(records.map((queued) => queued.record)))
      .then(
        (rows) => records.forEach((queued, index) => queued.resolve(rows[index] ?? queued.record)),
        (storeError: unknown) => {
          onError(
            new Error(
              `settlement journal: ${records.length} records whose append failed could not be stored either: ` +
                describeError(storeError),
              { cause: storeError },
            ),
          );
          const appendError = toAppendError(error);
          for (const queued of records) queued.reject(appendError);
        },
      )
      .finally(() => directStores.delete(stored));
    directStores.add(stored);
  }

  function onStored(batch: readonly JournalEntry[], stored: readonly GenerationRecord[]): void {
    const storedBySegment = new Map<JournalSegment, number>();
    batch.forEach((entry, index) => {
      entry.settle?.(stored[index] ?? entry.record);
      storedBySegment.set(entry.segment, (storedBySegment.get(entry.segment) ?? 0) + 1);
    });
    for (const [segment, count] of storedBySegment) segments.markStored(segment, count);
    appender.retireIfStored();
  }

  async function start(): Promise<JournalReplay> {
    assert.equal(state, 'new', 'settlement journal: start() runs once');
    state = 'starting';
    let replayed: readonly ReplayedSegment[];
    try {
      replayed = await readJournalDirectory(settings.directory);
    } catch (error) {
      state = 'new';
      throw error;
    }
    const replay = await adoptReplayed(replayed);
    state = 'open';
    return replay;
  }

  /** Reports torn lines, deletes segments with nothing left, and schedules the rest for the store, in order. */
  async function adoptReplayed(replayed: readonly ReplayedSegment[]): Promise<JournalReplay> {
    const startedAtMs = now();
    let tornLineCount = 0;
    for (const { segment, tornLines } of replayed) {
      segments.continueAfter(segment.sequence);
      tornLineCount += tornLines.length;
      if (tornLines.length > 0) onError(new Error(describeTornLines(segment, tornLines)));
    }
    const empty = replayed.filter(({ records }) => records.length === 0);
    await Promise.all(empty.map(({ segment }) => unlink(segment.path).catch(onError)));
    const kept = replayed.filter(({ records }) => records.length > 0);
    for (const { segment, records } of kept) {
      segments.adopt(segment);
      flusher.add(records.map((record) => ({ record, segment, durableAtMs: startedAtMs, settle: undefined })));
    }
    const recordCount = kept.reduce((sum, { records }) => sum + records.length, 0);
    return { recordCount, segmentCount: kept.length, tornLineCount };
  }

  function write(record: GenerationRecord): Promise<GenerationRecord> {
    if (state !== 'open') return Promise.reject(notOpenError(state));
    let json: string;
    try {
      json = convertRecordToJson(record);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const lineBytesMax = Buffer.byteLength(json) + journalLineOverheadBytesMax;
    if (segments.bytes + appender.queuedBytes + lineBytesMax > settings.bytesMax) {
      return Promise.reject(
        new GatewayError({
          code: 'ledger_unavailable',
          message: 'The settlement journal is full while the ledger store is unreachable; retry later.',
          isRetryable: true,
        }),
      );
    }
    return new Promise((resolve, reject) => appender.enqueue({ record, json, lineBytesMax, resolve, reject }));
  }

  async function close(timeoutMs: number): Promise<void> {
    if (state === 'new' || state === 'closed') {
      state = 'closed';
      return;
    }
    assert.notEqual(state, 'starting', 'settlement journal: close() while start() runs');
    state = 'closing';
    appender.flushSync();
    await appender.idle();
    flusher.retryNow();
    await flusher.drain(timeoutMs);
    flusher.stop();
    health.close();
    await Promise.all(directStores);
    for (const expire of [...storeWaits]) expire();
    await segments.close();
    state = 'closed';
  }

  return {
    start,
    write,
    flush() {
      if (state === 'open' || state === 'closing') appender.flushSync();
    },
    close(timeoutMs) {
      closing ??= close(timeoutMs);
      return closing;
    },
    get pendingCount() {
      return appender.pendingCount;
    },
    get depth() {
      return flusher.depth;
    },
    get isWritable() {
      return health.isWritable;
    },
  };
}

function toAppendError(error: unknown): GatewayError {
  return new GatewayError({
    code: 'ledger_unavailable',
    message: 'The settlement journal could not be written.',
    cause: error,
    isRetryable: true,
  });
}

function notOpenError(state: State): Error {
  if (state === 'closing' || state === 'closed') {
    return new GatewayError({ code: 'shutting_down', message: 'The gateway is shutting down; retry the call.' });
  }
  return new Error('settlement journal: write() before start() resolved');
}

function describeTornLines(segment: JournalSegment, tornLines: readonly { offset: number; reason: string }[]): string {
  const first = tornLines[0]!;
  return (
    `settlement journal: ignored ${tornLines.length} damaged line(s) of the last write in ${segment.path} ` +
    `(from byte ${first.offset}: ${first.reason}), left by a crash mid-append; that write was never acknowledged`
  );
}

function assertSettings(
  settings: { readonly [K in keyof typeof journalDefaults]: number } & { directory: string },
): void {
  for (const name of ['batchCountMax', 'bytesMax', 'segmentBytesMax', 'retryDelayMsMin', 'probeIntervalMs'] as const) {
    assert.ok(Number.isSafeInteger(settings[name]) && settings[name] >= 1, `settlement journal: ${name} must be ≥ 1`);
  }
  assert.ok(settings.retryDelayMsMax >= settings.retryDelayMsMin, 'settlement journal: retryDelayMsMax < Min');
  assert.ok(settings.storeWaitMs >= 0, 'settlement journal: storeWaitMs must be ≥ 0');
  assert.ok(settings.directory.length > 0, 'settlement journal: directory is required');
}
