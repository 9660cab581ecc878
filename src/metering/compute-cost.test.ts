import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillableCounts } from './compute-cost.js';
import { computeCost } from './compute-cost.js';
import { createTestPrices } from './test-prices.js';

const zero: BillableCounts = { promptUncached: 0, cacheRead: 0, cacheWrite: 0, outputText: 0, reasoning: 0 };

/** DeepSeek-like: prompt 0.28, completion 0.42, cache read 0.028, no cache-write or reasoning price. */
const deepseek = createTestPrices();
/** Anthropic-like: prompt 3.00, completion 15.00, cache read 0.30, cache write 3.75, reasoning 0.60 (made up). */
const anthropic = createTestPrices({
  promptNanosPerMillion: 3_000_000_000n,
  completionNanosPerMillion: 15_000_000_000n,
  cacheReadNanosPerMillion: 300_000_000n,
  cacheWriteNanosPerMillion: 3_750_000_000n,
  reasoningNanosPerMillion: 600_000_000n,
});
/** One price for everything: 0.0375 per 1M = 37.5 nano-units per token, so odd counts have a half unit to floor. */
const odd = createTestPrices({
  promptNanosPerMillion: 37_500_000n,
  completionNanosPerMillion: 37_500_000n,
  cacheReadNanosPerMillion: 37_500_000n,
});
/** No cache price: cache reads fall back to the prompt price. */
const uncachedOnly = createTestPrices({ cacheReadNanosPerMillion: undefined });

describe('computeCost', () => {
  it.each([
    ['1000 prompt tokens at 0.28', { ...zero, promptUncached: 1000 }, deepseek, 0, 280_000n, 280_000n],
    ['1000 cache-read tokens at 0.028', { ...zero, cacheRead: 1000 }, deepseek, 0, 28_000n, 28_000n],
    ['cache read falls back to the prompt price', { ...zero, cacheRead: 1000 }, uncachedOnly, 0, 280_000n, 280_000n],
    ['cache write falls back to the prompt price', { ...zero, cacheWrite: 10 }, deepseek, 0, 2_800n, 2_800n],
    ['1000 text output tokens at 0.42', { ...zero, outputText: 1000 }, deepseek, 0, 420_000n, 420_000n],
    ['reasoning falls back to the completion price', { ...zero, reasoning: 100 }, deepseek, 0, 42_000n, 42_000n],
    ['cache write at its own price (3.75)', { ...zero, cacheWrite: 1000 }, anthropic, 0, 3_750_000n, 3_750_000n],
    ['cache read at its own price (0.30)', { ...zero, cacheRead: 1000 }, anthropic, 0, 300_000n, 300_000n],
    ['reasoning at its own price (0.60)', { ...zero, reasoning: 100 }, anthropic, 0, 60_000n, 60_000n],
    [
      '1-hour cache writes at their own price (6.00), the rest at 3.75',
      { ...zero, cacheWrite: 3000, cacheWrite1h: 2000 },
      { ...anthropic, cacheWrite1hNanosPerMillion: 6_000_000_000n },
      0,
      15_750_000n,
      15_750_000n,
    ],
    [
      '1-hour cache writes fall back to the cache-write price',
      { ...zero, cacheWrite: 3000, cacheWrite1h: 2000 },
      anthropic,
      0,
      11_250_000n,
      11_250_000n,
    ],
    [
      'DeepSeek call: 200 uncached, 1000 cached, 200 text, 100 reasoning',
      { promptUncached: 200, cacheRead: 1000, cacheWrite: 0, outputText: 200, reasoning: 100 },
      deepseek,
      0,
      210_000n, // 56 000 + 28 000 + 84 000 + 42 000
      210_000n,
    ],
    [
      'Anthropic call: every kind',
      { promptUncached: 10, cacheRead: 20_000, cacheWrite: 3_000, outputText: 500, reasoning: 250 },
      anthropic,
      0,
      24_930_000n, // 30 000 + 6 000 000 + 11 250 000 + 7 500 000 + 150 000
      24_930_000n,
    ],
    ['1 token at 0.0375 floors 37.5 to 37', { ...zero, promptUncached: 1 }, odd, 0, 37n, 37n],
    ['3 tokens at 0.0375 floor 112.5 to 112', { ...zero, promptUncached: 3 }, odd, 0, 112n, 112n],
    ['7 tokens at 0.0375 floor 262.5 to 262', { ...zero, outputText: 7 }, odd, 0, 262n, 262n],
    ['two odd halves add up before the one rounding', { ...zero, promptUncached: 3, cacheRead: 3 }, odd, 0, 225n, 225n],
    ['markup applies before the one rounding (41.25 → 41)', { ...zero, promptUncached: 1 }, odd, 1_000, 37n, 41n],
    ['10 % markup', { ...zero, promptUncached: 1000 }, deepseek, 1_000, 280_000n, 308_000n],
    ['1 basis point on one token floors away', { ...zero, promptUncached: 1 }, deepseek, 1, 280n, 280n],
    ['1 basis point on 1000 tokens', { ...zero, promptUncached: 1000 }, deepseek, 1, 280_000n, 280_028n],
    ['25 % discount', { ...zero, promptUncached: 1000 }, deepseek, -2_500, 280_000n, 210_000n],
    ['100 % discount', { ...zero, promptUncached: 1000 }, deepseek, -10_000, 280_000n, 0n],
    ['100× markup (the maximum)', { ...zero, promptUncached: 1 }, deepseek, 1_000_000, 280n, 28_280n],
    ['nothing', zero, deepseek, 0, 0n, 0n],
  ])('%s', (_name, counts, prices, markupBasisPoints, upstreamCostNanos, costNanos) => {
    expect(computeCost({ counts, prices, markupBasisPoints })).toEqual({ upstreamCostNanos, costNanos });
  });

  it('stays exact beyond 2^53 nano·tokens', () => {
    const prices = createTestPrices({ completionNanosPerMillion: 600_000_000_000n });
    expect(computeCost({ counts: { ...zero, outputText: 90_000_000 }, prices, markupBasisPoints: 0 })).toEqual({
      upstreamCostNanos: 54_000_000_000_000n,
      costNanos: 54_000_000_000_000n,
    });
  });

  it('is the floor of the exact amount, never above it', () => {
    const count = fc.integer({ min: 0, max: 10_000_000 });
    const price = fc.bigInt({ min: 0n, max: 100_000_000_000n });
    fc.assert(
      fc.property(
        fc.record({ promptUncached: count, cacheRead: count, cacheWrite: count, outputText: count, reasoning: count }),
        fc.record({ prompt: price, completion: price, cacheRead: price }),
        fc.integer({ min: -10_000, max: 1_000_000 }),
        (counts, published, markupBasisPoints) => {
          const prices = createTestPrices({
            promptNanosPerMillion: published.prompt,
            completionNanosPerMillion: published.completion,
            cacheReadNanosPerMillion: published.cacheRead,
          });
          const exactTimesMillion =
            BigInt(counts.promptUncached + counts.cacheWrite) * published.prompt +
            BigInt(counts.cacheRead) * published.cacheRead +
            BigInt(counts.outputText + counts.reasoning) * published.completion;
          const { upstreamCostNanos, costNanos } = computeCost({ counts, prices, markupBasisPoints });
          const upstreamLow = upstreamCostNanos * 1_000_000n;
          expect(upstreamLow <= exactTimesMillion && exactTimesMillion < upstreamLow + 1_000_000n).toBe(true);
          const withMarkup = exactTimesMillion * BigInt(10_000 + markupBasisPoints);
          const costLow = costNanos * 10_000_000_000n;
          expect(costLow <= withMarkup && withMarkup < costLow + 10_000_000_000n).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a negative count', { ...zero, promptUncached: -1 }, deepseek, 0],
    ['a fractional count', { ...zero, outputText: 1.5 }, deepseek, 0],
    ['a NaN count', { ...zero, reasoning: Number.NaN }, deepseek, 0],
    ['a discount beyond 100 %', zero, deepseek, -10_001],
    ['a markup beyond 100×', zero, deepseek, 1_000_001],
    ['a fractional markup', zero, deepseek, 0.5],
    ['a negative price', zero, createTestPrices({ promptNanosPerMillion: -1n }), 0],
  ])('asserts against %s', (_name, counts, prices, markupBasisPoints) => {
    expect(() => computeCost({ counts, prices, markupBasisPoints })).toThrow();
  });
});
