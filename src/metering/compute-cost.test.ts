import { describe, expect, it } from 'vitest';
import { computeCost } from './compute-cost.js';
import { createTestPrices } from './test-prices.js';

const zero = { promptUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, reasoning: 0 };

describe('computeCost', () => {
  it.each([
    ['1000 prompt tokens at 0.28', { ...zero, promptUncached: 1000 }, 0, 280_000n, 280_000n],
    ['1000 cached tokens at 0.028', { ...zero, cacheRead: 1000 }, 0, 28_000n, 28_000n],
    ['cache write falls back to prompt price', { ...zero, cacheWrite: 10 }, 0, 2_800n, 2_800n],
    ['reasoning falls back to completion price', { ...zero, reasoning: 100 }, 0, 42_000n, 42_000n],
    [
      'mixed call (200 uncached, 1000 cached, 200 text, 100 reasoning)',
      { promptUncached: 200, cacheRead: 1000, cacheWrite: 0, outputText: 200, reasoning: 100 },
      0,
      56_000n + 28_000n + 84_000n + 42_000n,
      210_000n,
    ],
    ['10% markup', { ...zero, promptUncached: 1000 }, 1_000, 280_000n, 308_000n],
    ['25% discount', { ...zero, promptUncached: 1000 }, -2_500, 280_000n, 210_000n],
    ['nothing', zero, 0, 0n, 0n],
  ])('%s', (_name, counts, markupBasisPoints, upstreamCostNanos, costNanos) => {
    expect(computeCost({ counts, prices: createTestPrices(), markupBasisPoints })).toEqual({
      upstreamCostNanos,
      costNanos,
    });
  });

  it('rounds down once per amount, not per kind', () => {
    // 0.0375 per 1M = 37.5 nano-units per token: 3 tokens = 112.5 → 112; 3 + 3 tokens of two kinds = 225 exactly.
    const prices = createTestPrices({ promptNanosPerMillion: 37_500_000n, cacheReadNanosPerMillion: 37_500_000n });
    expect(computeCost({ counts: { ...zero, promptUncached: 3 }, prices, markupBasisPoints: 0 })).toEqual({
      upstreamCostNanos: 112n,
      costNanos: 112n,
    });
    expect(computeCost({ counts: { ...zero, promptUncached: 3, cacheRead: 3 }, prices, markupBasisPoints: 0 })).toEqual(
      {
        upstreamCostNanos: 225n,
        costNanos: 225n,
      },
    );
  });

  it('stays exact beyond 2^53 nano·tokens', () => {
    const prices = createTestPrices({ completionNanosPerMillion: 600_000_000_000n });
    expect(computeCost({ counts: { ...zero, outputText: 90_000_000 }, prices, markupBasisPoints: 0 }).costNanos).toBe(
      54_000_000_000_000n,
    );
  });

  it('rejects negative counts and impossible markups', () => {
    expect(() =>
      computeCost({ counts: { ...zero, promptUncached: -1 }, prices: createTestPrices(), markupBasisPoints: 0 }),
    ).toThrow();
    expect(() => computeCost({ counts: zero, prices: createTestPrices(), markupBasisPoints: -10_001 })).toThrow();
  });
});
