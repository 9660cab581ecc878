import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerationRecord } from '../ports.js';
import { formatSegmentName, parseSegmentName } from './journal-segment.js';
import type { JournalSegment } from './journal-segment.js';
import { readJournalSegment } from './read-journal-segment.js';
import type { TornJournalLine } from './read-journal-segment.js';

/** A segment left by an earlier run, with its records in order. */
export interface ReplayedSegment {
  /** Takes no appends (a new run writes to a new segment, never after a possibly torn tail). */
  readonly segment: JournalSegment;
  readonly records: readonly GenerationRecord[];
  readonly tornLines: readonly TornJournalLine[];
}

/**
 * Reads every segment of a journal directory (created if missing), in sequence order; files not named like a
 * segment are left alone. Throws, before anything is replayed, when a segment holds a corrupt line before its last
 * write or a line of another format version ({@link readJournalSegment}).
 */
export async function readJournalDirectory(directory: string): Promise<readonly ReplayedSegment[]> {
  await mkdir(directory, { recursive: true });
  const sequences = (await readdir(directory))
    .map(parseSegmentName)
    .filter((sequence) => sequence !== undefined)
    .sort((left, right) => left - right);
  const replayed: ReplayedSegment[] = [];
  for (const sequence of sequences) {
    const name = formatSegmentName(sequence);
    const filePath = join(directory, name);
    const bytes = await readFile(filePath);
    const { records, tornLines } = readJournalSegment(name, bytes);
    const segment: JournalSegment = {
      sequence,
      path: filePath,
      bytes: bytes.length,
      recordCount: records.length,
      storedCount: 0,
      fd: undefined,
      isDirectorySynced: true,
      isBroken: false,
    };
    replayed.push({ segment, records, tornLines });
  }
  return replayed;
}
