import type { GenerationRecord } from '../ports.js';
import type { JournalSegments } from './create-journal-segments.js';
import { describeError, formatJournalLine } from './journal-line.js';
import { writeSegmentBytes, writeSegmentBytesSync } from './journal-segment.js';
import type { JournalSegment } from './journal-segment.js';

/** A record waiting for its group's append. */
export interface QueuedRecord {
  readonly record: GenerationRecord;
  /** The record's JSON (`convertRecordToJson`), made when it was queued. */
  readonly json: string;
  /** The most bytes its line can take (counted against the journal's bound while queued). */
  readonly lineBytesMax: number;
  /** Resolves its `write()` (with the record as stored, or as journaled once the store wait is over). */
  readonly resolve: (record: GenerationRecord) => void;
  /** Rejects its `write()`. */
  readonly reject: (error: unknown) => void;
}

/** The group commit of the journal: records queued during one event-loop turn are appended as one write. */
export interface JournalAppender {
  enqueue(queued: QueuedRecord): void;
  /** Makes every queued record and the append in flight durable now, blocking (shutdown). */
  flushSync(): void;
  /** Resolves once no append is scheduled or in flight. */
  idle(): Promise<void>;
  /** Retires the active segment if every record in it is stored and no append is in flight. */
  retireIfStored(): void;
  /** Records queued or in flight, not yet durable. */
  readonly pendingCount: number;
  /** Upper bound of the queued records' line bytes. */
  readonly queuedBytes: number;
}

interface Group {
  readonly records: readonly QueuedRecord[];
  readonly segment: JournalSegment;
  readonly position: number;
  readonly bytes: Buffer;
  /** Durable (or failed), by its own append or by a `flushSync` that wrote it again. */
  isDone: boolean;
}

/**
 * Appends groups to the active segment, one append in flight at a time: the write and `fdatasync` run on libuv's
 * pool (the event loop never waits for the disk) and whatever arrives meanwhile forms the next group. Each group has
 * its own byte range, assigned when it is taken, so file order is queue order.
 *
 * `flushSync()` can run while an append is in flight: it writes that append's bytes again at the same offset,
 * followed by the queued records, and syncs. Both writes put identical bytes at the in-flight range, in whichever
 * order the pool runs them, so nothing is duplicated or reordered, and the in-flight append's completion then finds
 * its group already durable.
 *
 * A failed append hands its records to `onFailed` and marks the segment broken: the next group starts a new segment,
 * so partial bytes stay the torn tail of their segment and never sit before acknowledged records.
 */
export function createJournalAppender(options: {
  readonly segments: JournalSegments;
  /** The group's records are durable in `segment`, in this order. */
  readonly onDurable: (records: readonly QueuedRecord[], segment: JournalSegment) => void;
  /** The group's append failed (its records are not durable here): the writer settles their `write()`s. */
  readonly onFailed: (records: readonly QueuedRecord[], error: unknown) => void;
  readonly onError: (error: unknown) => void;
}): JournalAppender {
  const { segments } = options;
  let queue: QueuedRecord[] = [];
  let queuedBytes = 0;
  let inFlight: Group | undefined;
  let running: Promise<void> | undefined;
  let isScheduled = false;

  function takeQueue(): QueuedRecord[] {
    const records = queue;
    queue = [];
    queuedBytes = 0;
    return records;
  }

  function formatLines(records: readonly QueuedRecord[], groupOffset: number): Buffer {
    return Buffer.from(records.map((queued) => formatJournalLine(queued.json, groupOffset)).join(''), 'utf8');
  }

  /** Takes the queue as the next group at the end of the active segment. */
  function takeGroup(records: readonly QueuedRecord[]): Group {
    const segment = segments.takeActive();
    const position = segment.bytes;
    const bytes = formatLines(records, position);
    segment.bytes += bytes.length;
    return { records, segment, position, bytes, isDone: false };
  }

  function complete(records: readonly QueuedRecord[], segment: JournalSegment): void {
    segment.recordCount += records.length;
    options.onDurable(records, segment);
  }

  function fail(records: readonly QueuedRecord[], segment: JournalSegment | undefined, error: unknown): void {
    if (segment !== undefined) segment.isBroken = true;
    options.onError(
      new Error(`settlement journal: an append of ${records.length} records failed: ${describeError(error)}`, {
        cause: error,
      }),
    );
    options.onFailed(records, error);
  }

  async function appendQueued(): Promise<void> {
    while (queue.length > 0) {
      const records = takeQueue();
      let group: Group;
      try {
        group = takeGroup(records);
      } catch (error) {
        fail(records, undefined, error);
        continue;
      }
      inFlight = group;
      let failure: { readonly error: unknown } | undefined;
      try {
        await writeSegmentBytes(group.segment, group.bytes, group.position);
      } catch (error) {
        failure = { error };
      }
      inFlight = undefined;
      if (group.isDone) continue;
      group.isDone = true;
      if (failure === undefined) complete(group.records, group.segment);
      else fail(group.records, group.segment, failure.error);
    }
  }

  function run(): void {
    isScheduled = false;
    if (running !== undefined) return;
    running = appendQueued().finally(() => {
      running = undefined;
      if (queue.length > 0) schedule();
    });
  }

  function schedule(): void {
    if (isScheduled || running !== undefined) return;
    isScheduled = true;
    setImmediate(run);
  }

  function flushSync(): void {
    const open = inFlight !== undefined && !inFlight.isDone ? inFlight : undefined;
    if (queue.length === 0 && open === undefined) return;
    const records = takeQueue();
    if (open === undefined) return flushGroup(records);
    const extra = formatLines(records, open.position);
    open.segment.bytes += extra.length;
    try {
      writeSegmentBytesSync(open.segment, Buffer.concat([open.bytes, extra]), open.position);
    } catch (error) {
      // The append in flight finishes on its own; only the queued records failed.
      return fail(records, open.segment, error);
    }
    open.isDone = true;
    complete(open.records, open.segment);
    if (records.length > 0) complete(records, open.segment);
  }

  function flushGroup(records: readonly QueuedRecord[]): void {
    let group: Group | undefined;
    try {
      group = takeGroup(records);
      writeSegmentBytesSync(group.segment, group.bytes, group.position);
    } catch (error) {
      return fail(records, group?.segment, error);
    }
    complete(group.records, group.segment);
  }

  return {
    enqueue(queued) {
      queue.push(queued);
      queuedBytes += queued.lineBytesMax;
      schedule();
    },
    flushSync,
    async idle() {
      while (running !== undefined || isScheduled) {
        if (running !== undefined) await running;
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    retireIfStored() {
      if (inFlight === undefined) segments.retireActiveIfStored();
    },
    get pendingCount() {
      return queue.length + (inFlight !== undefined && !inFlight.isDone ? inFlight.records.length : 0);
    },
    get queuedBytes() {
      return queuedBytes;
    },
  };
}
