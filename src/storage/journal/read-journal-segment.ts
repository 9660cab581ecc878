import type { GenerationRecord } from '../ports.js';
import { parseJournalLine } from './journal-line.js';

/** What a segment file holds: its records in order, and the bytes left by an unfinished last write. */
export interface JournalSegmentContent {
  readonly records: readonly GenerationRecord[];
  /** The damaged lines of the segment's last write (a crash mid-append), ignored; empty when it ended cleanly. */
  readonly tornLines: readonly TornJournalLine[];
}

export interface TornJournalLine {
  /** 1-based line number in the segment. */
  readonly lineNumber: number;
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
}

interface RawLine {
  readonly offset: number;
  readonly content: Buffer;
  readonly isTerminated: boolean;
}

/**
 * Reads a segment file's bytes. A write is acknowledged only after its bytes are synced, and the next write starts
 * only after that, so damage can come from a crash only inside the segment's LAST write: a missing newline, an
 * unparsable line, or a hole (pages written out of order) followed by lines of the same write. Damaged lines at or
 * after the start of the last intact line's write (its `group`) are that unfinished write: they are returned as
 * `tornLines` to report and skip. A damaged line before it was acknowledged and is lost money: this throws, with
 * the segment and line, and nothing of the journal is replayed until someone looks. A line of another format version
 * throws too.
 */
export function readJournalSegment(name: string, bytes: Buffer): JournalSegmentContent {
  const lines = splitLines(bytes);
  const parsed = lines.map((line) => {
    if (!line.isTerminated) return { kind: 'invalid' as const, reason: 'no trailing newline' };
    const result = parseJournalLine(line.content);
    return result.kind === 'record' && result.groupOffset > line.offset
      ? { kind: 'invalid' as const, reason: 'group offset after the line' }
      : result;
  });
  let lastGroupOffset = 0;
  for (const result of parsed) if (result.kind === 'record') lastGroupOffset = result.groupOffset;
  const records: GenerationRecord[] = [];
  const tornLines: TornJournalLine[] = [];
  parsed.forEach((result, index) => {
    const line = lines[index]!;
    const where = `journal segment ${name}, line ${index + 1} (byte ${line.offset})`;
    if (result.kind === 'record') records.push(result.record);
    else if (result.kind === 'unsupported') {
      throw new Error(`${where}: format version ${result.version} is not readable by this version of the gateway`);
    } else if (line.offset < lastGroupOffset) {
      throw new Error(
        `${where} is corrupt (${result.reason}) and later writes follow it: an acknowledged settlement cannot be ` +
          'read. Refusing to replay the journal; restore or inspect the file before starting again.',
      );
    } else {
      tornLines.push({ lineNumber: index + 1, offset: line.offset, bytes: line.content.length, reason: result.reason });
    }
  });
  return { records, tornLines };
}

function splitLines(bytes: Buffer): RawLine[] {
  const lines: RawLine[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) {
      lines.push({ offset: start, content: bytes.subarray(start), isTerminated: false });
      break;
    }
    lines.push({ offset: start, content: bytes.subarray(start, end), isTerminated: true });
    start = end + 1;
  }
  return lines;
}
