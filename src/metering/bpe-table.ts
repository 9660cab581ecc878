import { strict as assert } from 'node:assert';

/**
 * A byte-pair-encoding vocabulary packed into three typed arrays (about 5 MB for o200k_base's 200 000 tokens,
 * outside the JavaScript heap), instead of a map of 200 000 strings (about 60 MB of heap and resident memory).
 */
export interface BpeTable {
  readonly count: number;
  /** Every token's bytes, end to end, in rank order. */
  readonly bytes: Uint8Array;
  /** Rank r's bytes are `bytes[starts[r] … starts[r + 1])`. */
  readonly starts: Uint32Array;
  /** Open addressing with linear probing over {@link hashBytes}: rank + 1, or 0 for an empty slot. */
  readonly slots: Int32Array;
}

/** FNV-1a, 32 bits, over `bytes[start … end)`. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index += 1) hash = Math.imul(hash ^ (bytes[index] as number), 0x01000193);
  return hash >>> 0;
}

/** Indexes tokens given end to end (rank r at `bytes[starts[r] … starts[r + 1])`); each byte string at most once. */
export function createBpeTable(bytes: Uint8Array, starts: Uint32Array): BpeTable {
  const count = starts.length - 1;
  assert.ok(count > 0 && starts[count] === bytes.length, 'starts must end at the end of bytes');
  let size = 1;
  while (size < count * 2) size *= 2;
  const table: BpeTable = { count, bytes, starts, slots: new Int32Array(size) };
  for (let rank = 0; rank < count; rank += 1) {
    const start = starts[rank] as number;
    const end = starts[rank + 1] as number;
    assert.ok(findRank(table, bytes, start, end) === -1, `token ${rank} repeats an earlier token's bytes`);
    let slot = hashBytes(bytes, start, end) & (size - 1);
    while (table.slots[slot] !== 0) slot = (slot + 1) & (size - 1);
    table.slots[slot] = rank + 1;
  }
  return table;
}

/** The rank of the token whose bytes are `piece[start … end)`, or -1 when no token has those bytes. */
export function findRank(table: BpeTable, piece: Uint8Array, start: number, end: number): number {
  const mask = table.slots.length - 1;
  const length = end - start;
  for (let slot = hashBytes(piece, start, end) & mask; ; slot = (slot + 1) & mask) {
    const entry = table.slots[slot] as number;
    if (entry === 0) return -1;
    const rank = entry - 1;
    const tokenStart = table.starts[rank] as number;
    if (
      (table.starts[rank + 1] as number) - tokenStart === length &&
      sameBytes(table.bytes, tokenStart, piece, start, length)
    ) {
      return rank;
    }
  }
}

function sameBytes(
  left: Uint8Array,
  leftStart: number,
  right: Uint8Array,
  rightStart: number,
  length: number,
): boolean {
  for (let index = 0; index < length; index += 1) {
    if (left[leftStart + index] !== right[rightStart + index]) return false;
  }
  return true;
}
