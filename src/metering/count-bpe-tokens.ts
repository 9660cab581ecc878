import { findRank } from './bpe-table.js';
import type { BpeTable } from './bpe-table.js';
import { countMergedByHeap } from './merge-by-heap.js';

const noRank = 0x7fffffff;

/**
 * Pieces up to this many bytes are merged by scanning all pairs for the lowest rank (quadratic, but the least work
 * for short pieces); longer ones through a heap (`merge-by-heap.ts`), so that a 2 048-character run of CJK text
 * (6 KiB, one piece) costs about a millisecond, not tens.
 */
export const scanMergeBytesMax = 64;

/** Working arrays reused across calls (one thread). */
const partStarts = new Int32Array(scanMergeBytesMax + 1);
const partRanks = new Int32Array(scanMergeBytesMax + 1);

/**
 * How many tokens byte-pair encoding makes of `piece[0 … length)`: the piece itself when it is a token, else
 * tiktoken's merge — repeatedly join the adjacent pair whose bytes form the lowest-ranked token (the leftmost on a
 * tie) until no adjacent pair is a token. Every single byte is a token in the vocabularies this serves.
 */
export function countBpeTokens(table: BpeTable, piece: Uint8Array, length: number): number {
  if (length === 0) return 0;
  return isOneToken(table, piece, length) ? 1 : countMergedTokens(table, piece, length);
}

/** Whether the non-empty `piece[0 … length)` is a token by itself (every single byte is). */
export function isOneToken(table: BpeTable, piece: Uint8Array, length: number): boolean {
  return length === 1 || findRank(table, piece, 0, length) !== -1;
}

/** The merge's count for a piece that is not one token (at least two, then). */
export function countMergedTokens(table: BpeTable, piece: Uint8Array, length: number): number {
  return length <= scanMergeBytesMax
    ? countMergedByScan(table, piece, length)
    : countMergedByHeap(table, piece, length);
}

/** The merge as tiktoken writes it: each round scans every pair for the lowest rank. At most 64 bytes. */
export function countMergedByScan(table: BpeTable, piece: Uint8Array, length: number): number {
  const starts = partStarts;
  const ranks = partRanks;
  // Parts 0 … parts-1 are tokens; ranks[i] is the rank of parts i and i+1 joined (noRank when they are not a token).
  let parts = length;
  for (let index = 0; index <= length; index += 1) starts[index] = index;
  for (let index = 0; index < parts; index += 1) ranks[index] = pairRank(table, piece, starts, index, parts);
  for (;;) {
    let best = -1;
    let bestRank = noRank;
    for (let index = 0; index < parts - 1; index += 1) {
      const rank = ranks[index] as number;
      if (rank < bestRank) {
        bestRank = rank;
        best = index;
      }
    }
    if (best === -1) return parts;
    // Join part best+1 into part best.
    starts.copyWithin(best + 1, best + 2, parts + 1);
    ranks.copyWithin(best + 1, best + 2, parts);
    parts -= 1;
    ranks[best] = pairRank(table, piece, starts, best, parts);
    if (best > 0) ranks[best - 1] = pairRank(table, piece, starts, best - 1, parts);
  }
}

function pairRank(table: BpeTable, piece: Uint8Array, starts: Int32Array, index: number, parts: number): number {
  if (index + 1 >= parts) return noRank;
  const rank = findRank(table, piece, starts[index] as number, starts[index + 2] as number);
  return rank === -1 ? noRank : rank;
}
