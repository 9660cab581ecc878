import { describe, expect, it } from 'vitest';
import { createTestGenerationRecord } from '../test-generation-record.js';
import { completeRecord } from './journal-test-support.js';
import {
  convertRecordToJson,
  formatJournalLine,
  journalLineOverheadBytesMax,
  parseJournalLine,
} from './journal-line.js';

function lineBytes(line: string): Buffer {
  return Buffer.from(line.slice(0, -1), 'utf8');
}

describe('journal line', () => {
  it('round-trips a record with every field, bigints exact', () => {
    const parsed = parseJournalLine(lineBytes(formatJournalLine(convertRecordToJson(completeRecord), 4096)));
    expect(parsed).toEqual({ kind: 'record', record: completeRecord, groupOffset: 4096 });
  });

  it('keeps absent optional fields absent and null fields null', () => {
    const record = createTestGenerationRecord('gen-plain', { upstreamId: null, ttftMs: null });
    const parsed = parseJournalLine(lineBytes(formatJournalLine(convertRecordToJson(record), 0)));
    if (parsed.kind !== 'record') throw new Error(`expected a record, got ${parsed.kind}`);
    expect(Object.keys(parsed.record).sort()).toEqual(Object.keys(record).sort());
    expect('content' in parsed.record).toBe(false);
    expect('settlement' in parsed.record).toBe(false);
    expect(parsed.record.upstreamId).toBeNull();
    expect(parsed.record.ttftMs).toBeNull();
  });

  it('does not mistake a string that looks like a tag for a bigint', () => {
    const record = createTestGenerationRecord('gen-tag', { usageRaw: '{"$bigint":"5"}', finishReasonRaw: '$bigint' });
    const parsed = parseJournalLine(lineBytes(formatJournalLine(convertRecordToJson(record), 0)));
    expect(parsed).toEqual({ kind: 'record', record, groupOffset: 0 });
  });

  it('round-trips non-finite numbers', () => {
    const record = createTestGenerationRecord('gen-nan', { throughputTokensPerSecond: Number.NaN });
    const parsed = parseJournalLine(lineBytes(formatJournalLine(convertRecordToJson(record), 0)));
    expect(parsed).toEqual({ kind: 'record', record, groupOffset: 0 });
  });

  it('writes one line: version first, one newline at the end, within the overhead bound', () => {
    const json = convertRecordToJson(completeRecord);
    const line = formatJournalLine(json, Number.MAX_SAFE_INTEGER);
    expect(line.startsWith('{"v":1,"group":9007199254740991,"record":{')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    expect(Buffer.byteLength(line)).toBe(Buffer.byteLength(json) + journalLineOverheadBytesMax);
  });

  it.each([
    ['a flipped byte', (line: Buffer) => Buffer.concat([line.subarray(0, 40), Buffer.from('X'), line.subarray(41)])],
    ['a missing end', (line: Buffer) => line.subarray(0, line.length - 30)],
    ['zeros', (line: Buffer) => Buffer.alloc(line.length)],
    ['an empty line', () => Buffer.alloc(0)],
  ])('rejects %s as invalid', (_name, damage) => {
    const line = lineBytes(formatJournalLine(convertRecordToJson(completeRecord), 0));
    expect(parseJournalLine(damage(line)).kind).toBe('invalid');
  });

  it('reports a line of another format version as unsupported, not as damage', () => {
    const line = formatJournalLine(convertRecordToJson(completeRecord), 0).replace('{"v":1,', '{"v":2,');
    expect(parseJournalLine(lineBytes(line))).toEqual({ kind: 'unsupported', version: 2 });
  });

  it('rejects a line whose checksum holds but whose record is not a record', () => {
    expect(parseJournalLine(lineBytes(formatJournalLine('{"id":"gen-1"}', 0)))).toEqual({
      kind: 'invalid',
      reason: 'not a generation record',
    });
    expect(parseJournalLine(lineBytes(formatJournalLine('{"id":"gen-1","costNanos":{"$bigint":"1.5"}}', 0)))).toEqual({
      kind: 'invalid',
      reason: 'unparsable (malformed $bigint tag)',
    });
  });
});
