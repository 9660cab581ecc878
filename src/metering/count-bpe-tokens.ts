import { findRank } from './bpe-table.js';
import type { BpeTable } from './bpe-table.js';

const noRank = 0x7fffffff;

/** Working arrays reused across calls (one thread), grown to the longest piece seen. */
let partStarts = new Int32Array(64);
let partRanks = new Int32Array(64);

/**
 * How many tokens byte-pair encoding makes of `piece[0 … length)`: the piece itself when it is a token, else
 * tiktoken's merge — repeatedly join the adjacent pair whose bytes form the lowest-ranked token (the leftmost on a
 * tie) until no adjacent pair is a token. Every single byte is a token in the vocabularies this serves.
 */
export function countBpeTokens(table: BpeTable, piece: Uint8Array, length: number): number {
  if (length <= 1 || findRank(table, piece, 0, length) !== -1) return length === 0 ? 0 : 1;
  if (partStarts.length < length + 1) {
    partStarts = new Int32Array(length + 1);
    partRanks = new Int32Array(length + 1);
  }
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
