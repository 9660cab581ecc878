import { describe, expect, it } from 'vitest';
import { convertToGrowth, convertToRatio, convertToShare } from './convert-to-ratio.js';

describe('ratios', () => {
  it.each([
    [1n, 3n, 0.3333],
    [2n, 3n, 0.6667],
    [1n, 8n, 0.125],
    [1n, 20_000n, 0.0001],
    [1n, 20_001n, 0],
    [-1n, 20_000n, -0.0001],
    [-2n, 3n, -0.6667],
    [9_007_199_254_740_993n, 18_014_398_509_481_986n, 0.5],
    [7n, 1n, 7],
  ])('%i / %i rounds to %d', (numerator, denominator, expected) => {
    expect(convertToRatio(numerator, denominator)).toBe(expected);
  });

  it('has no share of an empty total and no growth from nothing', () => {
    expect(convertToShare(0n, 0n)).toBe(0);
    expect(convertToGrowth(5n, 0n)).toBeNull();
    expect(convertToGrowth(5n, 4n)).toBe(0.25);
    expect(convertToGrowth(0n, 4n)).toBe(-1);
  });

  it('refuses a zero denominator', () => {
    expect(() => convertToRatio(1n, 0n)).toThrow(/positive denominator/);
  });
});
