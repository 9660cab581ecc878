import {
  close,
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsync,
  fsyncSync,
  open,
  openSync,
  write,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * One segment file of the journal: `segment-<sequence, 16 digits>.jsonl`. Zero-padded sequences sort as numbers,
 * so the replay order is the file-name order and never ambiguous. Segments are written with positional writes on a
 * plain descriptor (not a FileHandle): the asynchronous appends and the synchronous `flush()` then share one
 * descriptor, and writing the same bytes at the same offset twice is harmless (see `createJournalAppender`).
 */
export interface JournalSegment {
  readonly sequence: number;
  readonly path: string;
  /** Bytes the file holds (replayed segments) or will hold once the appends taken so far land. */
  bytes: number;
  /** Records of this segment that are durable (replayed, or appended and synced). */
  recordCount: number;
  /** Of those, the records the store has taken. */
  storedCount: number;
  /** Open while the segment takes appends; undefined for replayed and retired segments. */
  fd: number | undefined;
  /** Whether the file's directory entry has been synced (a new file is lost in a crash until it is). */
  isDirectorySynced: boolean;
  /** A write to it failed (partial bytes may follow its last group): the next group goes to a new segment. */
  isBroken: boolean;
}

const segmentNamePattern = /^segment-(\d{16})\.jsonl$/;

/** `segment-0000000000000042.jsonl` for sequence 42. */
export function formatSegmentName(sequence: number): string {
  return `segment-${String(sequence).padStart(16, '0')}.jsonl`;
}

/** The sequence of a segment file name, or undefined for any other file. */
export function parseSegmentName(name: string): number | undefined {
  const match = segmentNamePattern.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** Creates a new, empty segment file open for writing (fails if the file exists: sequences are never reused). */
export function createSegmentFile(directory: string, sequence: number): JournalSegment {
  const filePath = join(directory, formatSegmentName(sequence));
  const fd = openSync(filePath, 'wx');
  return {
    sequence,
    path: filePath,
    bytes: 0,
    recordCount: 0,
    storedCount: 0,
    fd,
    isDirectorySynced: false,
    isBroken: false,
  };
}

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);

/** Writes `bytes` at `position` and makes them durable (data, then the file's directory entry once). */
export async function writeSegmentBytes(segment: JournalSegment, bytes: Buffer, position: number): Promise<void> {
  const fd = openDescriptor(segment);
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await writeAsync(fd, bytes, offset, bytes.length - offset, position + offset);
    offset += assertProgress(bytesWritten);
  }
  await fdatasyncAsync(fd);
  if (segment.isDirectorySynced) return;
  const directoryFd = await openAsync(dirname(segment.path), 'r');
  try {
    await fsyncAsync(directoryFd);
  } finally {
    await closeAsync(directoryFd);
  }
  segment.isDirectorySynced = true;
}

/** {@link writeSegmentBytes}, blocking (shutdown's `flush()`). */
export function writeSegmentBytesSync(segment: JournalSegment, bytes: Buffer, position: number): void {
  const fd = openDescriptor(segment);
  for (let offset = 0; offset < bytes.length;) {
    offset += assertProgress(writeSync(fd, bytes, offset, bytes.length - offset, position + offset));
  }
  fdatasyncSync(fd);
  if (segment.isDirectorySynced) return;
  const directoryFd = openSync(dirname(segment.path), 'r');
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
  segment.isDirectorySynced = true;
}

function openDescriptor(segment: JournalSegment): number {
  if (segment.fd === undefined) throw new Error(`journal segment ${segment.path} is not open for appends`);
  return segment.fd;
}

/** A write that makes no progress would loop forever; treat it as the disk error it is. */
function assertProgress(bytesWritten: number): number {
  if (bytesWritten <= 0) throw new Error('journal write made no progress');
  return bytesWritten;
}
