import { crc32 } from 'node:zlib';
import type { GenerationRecord } from '../ports.js';

/**
 * The journal's line format, one JSON object per record and per line:
 *
 *   {"v":1,"group":<byte offset>,"record":<record>,"crc32":"<8 hex digits>"}\n
 *
 * - `v` is the format version; a reader refuses a version it does not know rather than guess.
 * - `group` is the byte offset, in its segment, of the write (one `write` + one `fdatasync`) the line belongs to.
 *   Lines of one group share it; the reader uses it to tell an unfinished last write from corruption.
 * - `record` is the generation record. Bigints are tagged `{"$bigint":"<decimal>"}` and non-finite numbers
 *   `{"$number":"NaN"}`, so money round-trips exactly; no field of a record is a free-form object, so a tag never
 *   collides with real data (a string that happens to read `{"$bigint":"1"}` stays a string). Optional fields that
 *   are absent stay absent.
 * - `crc32` covers every byte before `,"crc32"`, so a line torn or damaged on disk never passes for a record.
 */
export const journalFormatVersion = 1;

const bigintTag = '$bigint';
const numberTag = '$number';
const checksumSuffixBytes = ',"crc32":"00000000"}'.length;
const checksumSuffixPattern = /^,"crc32":"([0-9a-f]{8})"\}$/;
const versionPrefixPattern = /^\{"v":(\d{1,9}),/;
const integerPattern = /^-?(0|[1-9]\d*)$/;
const nonFiniteNumbers = new Set(['NaN', 'Infinity', '-Infinity']);

/** The most bytes a line adds around its record's JSON (the group offset at its largest). */
export const journalLineOverheadBytesMax = Buffer.byteLength(formatJournalLine('', Number.MAX_SAFE_INTEGER));

/** A record as the JSON text a line carries (total: every record has one). */
export function convertRecordToJson(record: GenerationRecord): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { [bigintTag]: value.toString() };
    if (typeof value === 'number' && !Number.isFinite(value)) return { [numberTag]: String(value) };
    return value;
  });
}

/** One journal line (with its newline) for a record's JSON written in the group that starts at `groupOffset`. */
export function formatJournalLine(recordJson: string, groupOffset: number): string {
  const body = `{"v":${journalFormatVersion},"group":${groupOffset},"record":${recordJson}`;
  return `${body},"crc32":"${crc32(body).toString(16).padStart(8, '0')}"}\n`;
}

/** What a line read back from disk holds. */
export type ParsedJournalLine =
  | { readonly kind: 'record'; readonly record: GenerationRecord; readonly groupOffset: number }
  /** Written by another format version: never skipped as damage, never guessed at. */
  | { readonly kind: 'unsupported'; readonly version: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Parses one line's bytes (without its newline): checksum, version, then the record with its tags revived. */
export function parseJournalLine(line: Buffer): ParsedJournalLine {
  const version = versionPrefixPattern.exec(line.subarray(0, 16).toString('latin1'));
  if (version !== null && Number(version[1]) !== journalFormatVersion) {
    return { kind: 'unsupported', version: Number(version[1]) };
  }
  const checksum = checksumSuffixPattern.exec(line.subarray(-checksumSuffixBytes).toString('latin1'));
  if (line.length <= checksumSuffixBytes || checksum === null) return { kind: 'invalid', reason: 'no checksum' };
  if (crc32(line.subarray(0, -checksumSuffixBytes)) !== Number.parseInt(checksum[1]!, 16)) {
    return { kind: 'invalid', reason: 'checksum mismatch' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString('utf8'), reviveTagged);
  } catch (error) {
    return { kind: 'invalid', reason: `unparsable (${describeError(error)})` };
  }
  return checkLine(parsed);
}

function checkLine(parsed: unknown): ParsedJournalLine {
  const line = parsed as { v?: unknown; group?: unknown; record?: unknown };
  if (line.v !== journalFormatVersion) return { kind: 'invalid', reason: 'no format version' };
  if (!Number.isSafeInteger(line.group) || (line.group as number) < 0) {
    return { kind: 'invalid', reason: 'no group offset' };
  }
  if (!isRecordShaped(line.record)) return { kind: 'invalid', reason: 'not a generation record' };
  return { kind: 'record', record: line.record, groupOffset: line.group as number };
}

/** The fields the store keys on and the money: enough to reject a line some other writer produced. */
function isRecordShaped(value: unknown): value is GenerationRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<keyof GenerationRecord, unknown>>;
  const settlement = record.settlement as { chargeNanos?: unknown } | undefined;
  return (
    typeof record.id === 'string' &&
    typeof record.costNanos === 'bigint' &&
    typeof record.upstreamCostNanos === 'bigint' &&
    (settlement === undefined || typeof settlement.chargeNanos === 'bigint')
  );
}

function reviveTagged(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== bigintTag && keys[0] !== numberTag)) return value;
  const text = (value as Record<string, unknown>)[keys[0]];
  if (keys[0] === bigintTag && typeof text === 'string' && integerPattern.test(text)) return BigInt(text);
  if (keys[0] === numberTag && typeof text === 'string' && nonFiniteNumbers.has(text)) return Number(text);
  throw new Error(`malformed ${keys[0]} tag`);
}

/** An error's message for a log line (loggers that only stringify the error still show the cause). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
