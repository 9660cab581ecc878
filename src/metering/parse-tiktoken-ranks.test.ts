import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { findRank } from './bpe-table.js';
import { parseTiktokenRanks } from './parse-tiktoken-ranks.js';

const line = (token: Buffer | string, rank: number): string => `${Buffer.from(token).toString('base64')} ${rank}`;

describe('parseTiktokenRanks', () => {
  it('reads base64 tokens with their ranks, bytes that are not UTF-8 included', () => {
    const file = Buffer.from([line('a', 0), line(Buffer.from([0xe4, 0xb8]), 1), line(' the', 2), ''].join('\n'));
    const table = parseTiktokenRanks(file);
    expect(table.count).toBe(3);
    expect(findRank(table, Buffer.from(' the'), 0, 4)).toBe(2);
    expect(findRank(table, Buffer.from([0xe4, 0xb8]), 0, 2)).toBe(1);
    expect(findRank(table, Buffer.from('the'), 0, 3)).toBe(-1);
  });

  it.each([
    ['a rank out of order', [line('a', 0), line('b', 2)].join('\n'), /line 2 should give rank 1/],
    ['a line without its rank', [line('a', 0), 'Yg=='].join('\n'), /line 2 should give rank 1/],
    ['a rank that is not a number', [line('a', 0), 'Yg== one'].join('\n'), /line 2 should give rank 1/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseTiktokenRanks(Buffer.from(text))).toThrow(message);
  });
});
