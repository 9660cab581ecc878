import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord as record } from '../test-generation-record.js';
import { convertRecordToJson, formatJournalLine } from './journal-line.js';
import { readJournalSegment } from './read-journal-segment.js';

/** Lays out groups of record ids as the appender does: each group's lines carry the group's start offset. */
function segmentBytes(groups: readonly (readonly string[])[]): { bytes: Buffer; lineOffsets: number[] } {
  let text = '';
  const lineOffsets: number[] = [];
  for (const ids of groups) {
    const groupOffset = Buffer.byteLength(text);
    for (const id of ids) {
      lineOffsets.push(Buffer.byteLength(text));
      text += formatJournalLine(convertRecordToJson(record(id)), groupOffset);
    }
  }
  return { bytes: Buffer.from(text), lineOffsets };
}

/** Overwrites the bytes of line `index` (0-based) with zeros, keeping its newline: a hole left by a crash. */
function zeroLine(bytes: Buffer, lineOffsets: readonly number[], index: number): Buffer {
  const damaged = Buffer.from(bytes);
  const end = (lineOffsets[index + 1] ?? bytes.length) - 1;
  damaged.fill(0, lineOffsets[index], end);
  return damaged;
}

const ids = (content: ReturnType<typeof readJournalSegment>) => content.records.map((item) => item.id);

describe('readJournalSegment', () => {
  it('reads every record of a cleanly ended segment in order', () => {
    const { bytes } = segmentBytes([['a'], ['b', 'c'], ['d']]);
    const content = readJournalSegment('segment-1', bytes);
    expect(ids(content)).toEqual(['a', 'b', 'c', 'd']);
    expect(content.tornLines).toEqual([]);
    expect(content.records[0]).toEqual(record('a'));
  });

  it('reads an empty segment as no records', () => {
    expect(readJournalSegment('segment-1', Buffer.alloc(0))).toEqual({ records: [], tornLines: [] });
  });

  it('ignores a last line without its newline (a crash mid-append)', () => {
    const { bytes } = segmentBytes([['a'], ['b']]);
    const torn = Buffer.concat([bytes, Buffer.from('{"v":1,"group":')]);
    const content = readJournalSegment('segment-1', torn);
    expect(ids(content)).toEqual(['a', 'b']);
    expect(content.tornLines).toEqual([
      { lineNumber: 3, offset: bytes.length, bytes: 15, reason: 'no trailing newline' },
    ]);
  });

  it('ignores an unparsable last line that has its newline', () => {
    const { bytes } = segmentBytes([['a'], ['b']]);
    const content = readJournalSegment('segment-1', Buffer.concat([bytes, Buffer.from('\0\0\0\n')]));
    expect(ids(content)).toEqual(['a', 'b']);
    expect(content.tornLines).toEqual([{ lineNumber: 3, offset: bytes.length, bytes: 3, reason: 'no checksum' }]);
  });

  it('ignores a hole inside the last write and keeps the intact lines around it', () => {
    const { bytes, lineOffsets } = segmentBytes([['a'], ['b', 'c', 'd']]);
    const content = readJournalSegment('segment-1', zeroLine(bytes, lineOffsets, 2));
    expect(ids(content)).toEqual(['a', 'b', 'd']);
    expect(content.tornLines.map((line) => [line.lineNumber, line.reason])).toEqual([[3, 'no checksum']]);
  });

  it('throws on a corrupt line followed by a later write, naming the segment and line', () => {
    const { bytes, lineOffsets } = segmentBytes([['a'], ['b'], ['c']]);
    expect(() => readJournalSegment('segment-7', zeroLine(bytes, lineOffsets, 1))).toThrow(
      `journal segment segment-7, line 2 (byte ${lineOffsets[1]}) is corrupt (no checksum) and later writes follow it`,
    );
  });

  it('throws on a line of another format version wherever it is', () => {
    const { bytes } = segmentBytes([['a']]);
    const newer = Buffer.from(bytes.toString('utf8').replace('{"v":1,', '{"v":2,'));
    expect(() => readJournalSegment('segment-1', newer)).toThrow(
      'journal segment segment-1, line 1 (byte 0): format version 2 is not readable by this version of the gateway',
    );
  });

  it('treats a line claiming a group that starts after it as corrupt', () => {
    const first = formatJournalLine(convertRecordToJson(record('a')), 0);
    const second = formatJournalLine(convertRecordToJson(record('b')), 1_000_000);
    const thirdOffset = Buffer.byteLength(first + second);
    const third = formatJournalLine(convertRecordToJson(record('c')), thirdOffset);
    expect(() => readJournalSegment('segment-1', Buffer.from(first + second + third))).toThrow(
      `line 2 (byte ${Buffer.byteLength(first)}) is corrupt (group offset after the line)`,
    );
  });
});
