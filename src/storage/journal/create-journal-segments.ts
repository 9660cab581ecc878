import { close } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { describeError } from './journal-line.js';
import { createSegmentFile } from './journal-segment.js';
import type { JournalSegment } from './journal-segment.js';

/** The live segment files of one journal directory: which takes appends, how many bytes they hold, which can go. */
export interface JournalSegments {
  /** Bytes of every live segment (including appends taken but not yet landed). */
  readonly bytes: number;
  /** Registers a segment found at start (it takes no appends); new segments get later sequences. */
  adopt(segment: JournalSegment): void;
  /** New segments get sequences after `sequence` (one found at start, even if it was deleted as empty). */
  continueAfter(sequence: number): void;
  /**
   * The segment the next group goes to: the active one, or a new file when there is none, or the active one is
   * broken or has reached `segmentBytesMax` (it is retired). Call only while no append is in flight.
   */
  takeActive(): JournalSegment;
  /** Counts stored records; a retired segment whose every record is stored is deleted. */
  markStored(segment: JournalSegment, count: number): void;
  /**
   * Retires the active segment when it holds records and every one is stored, which deletes it: the next group
   * starts a new file. Call only while no append is in flight (its descriptor is closed).
   */
  retireActiveIfStored(): void;
  /**
   * Retires the active segment (its descriptor closed; the file stays unless every record in it is stored) and
   * awaits pending deletions. Call only while no append is in flight.
   */
  close(): Promise<void>;
}

/**
 * Segment bookkeeping. Rotation: a segment takes appends until it reaches `segmentBytesMax`, a write to it fails,
 * or every record in it is stored (then it is deleted at once and the next group opens a new file). So after a
 * drain the directory is empty, a crash replays only records the store may not have, and an outage's backlog is
 * released one full segment at a time. A deletion that does not survive a crash only replays stored records again,
 * which the store's idempotency absorbs.
 */
export function createJournalSegments(options: {
  readonly directory: string;
  readonly segmentBytesMax: number;
  readonly onError: (error: unknown) => void;
}): JournalSegments {
  const live = new Set<JournalSegment>();
  const pending = new Set<Promise<void>>();
  let active: JournalSegment | undefined;
  let nextSequence = 1;

  function track(operation: Promise<void>): void {
    const tracked = operation.catch(options.onError).finally(() => pending.delete(tracked));
    pending.add(tracked);
  }

  function remove(segment: JournalSegment): void {
    live.delete(segment);
    track(
      unlink(segment.path).catch((error: unknown) => {
        throw new Error(
          `settlement journal: could not delete the stored segment ${segment.path}: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }),
    );
  }

  function retire(segment: JournalSegment): void {
    if (active === segment) active = undefined;
    const fd = segment.fd;
    segment.fd = undefined;
    if (fd !== undefined) track(closeDescriptor(fd));
    if (segment.storedCount === segment.recordCount) remove(segment);
  }

  return {
    get bytes() {
      let sum = 0;
      for (const segment of live) sum += segment.bytes;
      return sum;
    },
    adopt(segment) {
      live.add(segment);
      nextSequence = Math.max(nextSequence, segment.sequence + 1);
    },
    continueAfter(sequence) {
      nextSequence = Math.max(nextSequence, sequence + 1);
    },
    takeActive() {
      if (active !== undefined && (active.isBroken || active.bytes >= options.segmentBytesMax)) retire(active);
      if (active !== undefined) return active;
      const segment = createSegmentFile(options.directory, nextSequence);
      nextSequence += 1;
      live.add(segment);
      active = segment;
      return segment;
    },
    markStored(segment, count) {
      segment.storedCount += count;
      if (segment !== active && live.has(segment) && segment.storedCount === segment.recordCount) remove(segment);
    },
    retireActiveIfStored() {
      if (active !== undefined && active.recordCount > 0 && active.storedCount === active.recordCount) retire(active);
    },
    async close() {
      if (active !== undefined) retire(active);
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

function closeDescriptor(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (error) => (error === null ? resolve() : reject(error))));
}
