import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createBpeTable, findRank } from './bpe-table.js';
import type { BpeTable } from './bpe-table.js';
import fc from 'fast-check';
import { countBpeTokens, countMergedByScan, scanMergeBytesMax } from './count-bpe-tokens.js';
import { countMergedByHeap } from './merge-by-heap.js';

/** A vocabulary of the given tokens, ranked in order. */
function vocabulary(tokens: readonly string[]): BpeTable {
  const parts = tokens.map((token) => Buffer.from(token, 'latin1'));
  const starts = [0];
  for (const part of parts) starts.push(starts[starts.length - 1]! + part.length);
  return createBpeTable(new Uint8Array(Buffer.concat(parts)), Uint32Array.from(starts));
}

function count(table: BpeTable, piece: string): number {
  const bytes = Buffer.from(piece, 'latin1');
  return countBpeTokens(table, bytes, bytes.length);
}

describe('findRank', () => {
  it('finds each token by its bytes, and nothing else', () => {
    const table = vocabulary(['a', 'b', 'ab', 'ba', 'aab']);
    const piece = Buffer.from('xaabx', 'latin1');
    expect(findRank(table, piece, 1, 4)).toBe(4);
    expect(findRank(table, piece, 2, 4)).toBe(2);
    expect(findRank(table, piece, 1, 2)).toBe(0);
    expect(findRank(table, piece, 0, 2)).toBe(-1);
    expect(findRank(table, piece, 1, 5)).toBe(-1);
  });

  it('refuses a vocabulary that lists the same bytes twice', () => {
    expect(() => vocabulary(['a', 'b', 'a'])).toThrow(/token 2 repeats/);
  });
});

describe('countBpeTokens', () => {
  it('counts a piece that is a token as one, whatever its merges would give', () => {
    // Merging "abc" would stop at "ab" + "c" (no "bc"), but the whole piece is a token.
    expect(count(vocabulary(['a', 'b', 'c', 'ab', 'abc']), 'abc')).toBe(1);
  });

  it('joins the lowest-ranked pair first', () => {
    // "ab" (rank 4) before "bc" (rank 5): ab|c|d, and neither "abc" nor "cd" is a token: 3. Joining "bc" first
    // would give a|bcd: 2.
    const table = vocabulary(['a', 'b', 'c', 'd', 'ab', 'bc', 'bcd']);
    expect(count(table, 'abcd')).toBe(3);
    // With "bc" ranked first, the other way round.
    expect(count(vocabulary(['a', 'b', 'c', 'd', 'bc', 'ab', 'bcd']), 'abcd')).toBe(2);
  });

  it('takes the leftmost of equal pairs', () => {
    // "aaab": the two "aa" pairs tie; leftmost gives aa|a|b (no "aaa", no "ab"): 3; rightmost would give a|aab: 2.
    expect(count(vocabulary(['a', 'b', 'aa', 'aab']), 'aaab')).toBe(3);
  });

  it('keeps joining as long as a pair is a token', () => {
    const table = vocabulary(['a', 'b', 'ab', 'abab', 'ababab']);
    expect(count(table, 'abababab')).toBe(2);
    expect(count(table, 'ababa')).toBe(2);
    expect(count(table, '')).toBe(0);
    expect(count(table, 'b')).toBe(1);
  });

  it('merges a long piece through the heap as the scan would, on made-up vocabularies', () => {
    // Every single byte a token, plus random multi-byte tokens over a small alphabet (many ties and overlaps).
    const alphabet = 'abc';
    const token = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 2, maxLength: 5 });
    const vocabularyTokens = fc.uniqueArray(token, { maxLength: 40 }).map((tokens) => [...alphabet, ...tokens]);
    const piece = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 2, maxLength: scanMergeBytesMax });
    fc.assert(
      fc.property(vocabularyTokens, piece, (tokens, text) => {
        const table = vocabulary(tokens);
        const bytes = Buffer.from(text, 'latin1');
        return countMergedByHeap(table, bytes, bytes.length) === countMergedByScan(table, bytes, bytes.length);
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the heap for a piece longer than the scan takes, with the same rules', () => {
    const table = vocabulary(['a', 'b', 'aa', 'aab', 'ab', 'abab']);
    const long = 'aaab'.repeat(40);
    expect(long.length).toBeGreaterThan(scanMergeBytesMax);
    // Each "aaab" becomes aa|ab: "aa" (rank 2) before "ab" (rank 4); "aab" never forms because "aa" joins first.
    expect(count(table, long)).toBe(80);
    expect(count(vocabulary(['a', 'b']), 'ab'.repeat(500))).toBe(1_000);
  });
});
