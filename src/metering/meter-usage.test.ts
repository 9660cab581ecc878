import { describe, expect, it } from 'vitest';
import type { ChatRequest, Usage } from '../spec/index.js';
import { findImpossibleUsage, meterUsage } from './meter-usage.js';
import { createTestPrices } from './test-prices.js';

/** Estimated at (3 + 1 + 4) + (3 + 1 + 11) + 3 = 26 prompt tokens (count-tokens.test.ts). */
const request: ChatRequest = {
  model: 'deepseek/deepseek-v3.2',
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Say hello <|endoftext|> twice.' }] },
  ],
  stream: true,
  includeUsage: false,
  routingControls: {},
  passthrough: { protocol: 'openai-chat', fields: {} },
};
const estimatedPromptTokens = 26;

/** DeepSeek-like prices: 280 nano-units per prompt token, 28 per cached token, 420 per completion token. */
const prices = createTestPrices();
const nothingDelivered = { text: '', reasoning: '', toolArguments: '' };
/** 'Hello hello' = 2 tokens, 'thinking about it' = 3, '{"a":1}' = 5. */
const delivered = { text: 'Hello hello', reasoning: 'thinking about it', toolArguments: '{"a":1}' };

function createUsage(input: Partial<Usage['inputTokens']>, output: Partial<Usage['outputTokens']>): Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined, ...input },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined, ...output },
    isEstimated: false,
  };
}

describe('meterUsage', () => {
  it('bills DeepSeek-style usage with cache hits and reasoning exactly', () => {
    const usage = createUsage({ total: 1200, noCache: 200, cacheRead: 1000 }, { total: 300, reasoning: 100 });
    const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 0 });
    // 200 × 280 + 1000 × 28 + 200 × 420 + 100 × 420
    expect(billed).toEqual({
      usage,
      promptTokens: 1200,
      completionTokens: 300,
      cachedTokens: 1000,
      cacheWriteTokens: 0,
      reasoningTokens: 100,
      upstreamCostNanos: 210_000n,
      costNanos: 210_000n,
      isEstimated: false,
    });
    // The unknown cache write stays unknown in the usage; it only bills as 0.
    expect(billed.usage.inputTokens.cacheWrite).toBeUndefined();
  });

  it('applies the markup to the customer cost only', () => {
    const usage = createUsage({ total: 1200, cacheRead: 1000 }, { total: 300, reasoning: 100 });
    const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 500 });
    expect([billed.upstreamCostNanos, billed.costNanos]).toEqual([210_000n, 220_500n]);
  });

  it('bills Anthropic-style parts (uncached + cache read + cache write) as the provider total', () => {
    const anthropicPrices = createTestPrices({
      promptNanosPerMillion: 3_000_000_000n,
      completionNanosPerMillion: 15_000_000_000n,
      cacheReadNanosPerMillion: 300_000_000n,
      cacheWriteNanosPerMillion: 3_750_000_000n,
      reasoningNanosPerMillion: 600_000_000n,
    });
    const usage = createUsage({ noCache: 10, cacheRead: 20_000, cacheWrite: 3_000 }, { text: 500, reasoning: 250 });
    const billed = meterUsage({
      usage,
      request,
      deliveredText: nothingDelivered,
      prices: anthropicPrices,
      markupBasisPoints: 0,
    });
    expect(billed).toMatchObject({
      promptTokens: 23_010,
      completionTokens: 750,
      cachedTokens: 20_000,
      cacheWriteTokens: 3_000,
      reasoningTokens: 250,
      upstreamCostNanos: 24_930_000n,
      costNanos: 24_930_000n,
      isEstimated: false,
    });
  });

  it('bills 1-hour cache writes at their own price, clamped to the cache writes', () => {
    const anthropicPrices = createTestPrices({
      promptNanosPerMillion: 3_000_000_000n,
      completionNanosPerMillion: 15_000_000_000n,
      cacheWriteNanosPerMillion: 3_750_000_000n,
      cacheWrite1hNanosPerMillion: 6_000_000_000n,
    });
    const meter = (cacheWrite1h: number) =>
      meterUsage({
        usage: createUsage({ noCache: 10, cacheRead: 0, cacheWrite: 3_000, cacheWrite1h }, { total: 5 }),
        request,
        deliveredText: nothingDelivered,
        prices: anthropicPrices,
        markupBasisPoints: 0,
      });
    // (10 × 3 + 1 000 × 3.75 + 2 000 × 6 + 5 × 15) USD per 1M tokens = 15 855 000 nano-USD.
    expect(meter(2_000)).toMatchObject({ cacheWriteTokens: 3_000, upstreamCostNanos: 15_855_000n });
    // A 1-hour count above the cache writes cannot be: at most every write is a 1-hour one.
    expect(meter(9_000)).toMatchObject({ cacheWriteTokens: 3_000, upstreamCostNanos: 18_105_000n });
  });

  it('estimates everything when the provider reported no usage, and says so', () => {
    const billed = meterUsage({ usage: undefined, request, deliveredText: delivered, prices, markupBasisPoints: 0 });
    // Prompt 26 × 280; completion 2 + 3 + 5 = 10, of which reasoning 3: 7 × 420 + 3 × 420.
    expect(billed).toEqual({
      usage: {
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
        isEstimated: true,
      },
      promptTokens: estimatedPromptTokens,
      completionTokens: 10,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 3,
      upstreamCostNanos: 11_480n,
      costNanos: 11_480n,
      isEstimated: true,
    });
  });

  it('estimates only the missing output total', () => {
    const usage = createUsage({ total: 50, cacheRead: 10 }, {});
    const billed = meterUsage({
      usage,
      request,
      deliveredText: { text: 'abc', reasoning: '', toolArguments: '' },
      prices,
      markupBasisPoints: 0,
    });
    // 40 × 280 + 10 × 28 + 1 × 420
    expect(billed).toMatchObject({
      promptTokens: 50,
      completionTokens: 1,
      cachedTokens: 10,
      reasoningTokens: 0,
      upstreamCostNanos: 11_900n,
      isEstimated: true,
    });
    expect(billed.usage.inputTokens.total).toBe(50);
  });

  it('estimates only the missing input total', () => {
    const usage = createUsage({}, { total: 20 });
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    // 26 × 280 + 20 × 420
    expect(billed).toMatchObject({
      promptTokens: 26,
      completionTokens: 20,
      upstreamCostNanos: 15_680n,
      isEstimated: true,
    });
  });

  it('keeps the estimated flag an adapter already set', () => {
    const usage = { ...createUsage({ total: 10 }, { total: 10 }), isEstimated: true };
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    expect(billed.isEstimated).toBe(true);
  });

  it.each([
    ['negative', -5],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['above 100 million', 100_000_001],
    ['absurd', 1e12],
  ])('treats a %s input total as unknown and estimates it (INV-7)', (_name, total) => {
    const usage = createUsage({ total }, { total: 1 });
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    expect(billed).toMatchObject({
      promptTokens: estimatedPromptTokens,
      completionTokens: 1,
      upstreamCostNanos: 26n * 280n + 420n,
      isEstimated: true,
    });
    expect(billed.usage.inputTokens.total).toBeUndefined();
  });

  it('accepts exactly 100 million tokens', () => {
    const usage = createUsage({ total: 100_000_000 }, { total: 0 });
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    expect(billed).toMatchObject({ promptTokens: 100_000_000, upstreamCostNanos: 28_000_000_000n, isEstimated: false });
  });

  it('treats an impossible output total as unknown and counts the delivered output', () => {
    const usage = createUsage({ total: 100 }, { total: -3, reasoning: -1 });
    const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 0 });
    expect(billed).toMatchObject({ completionTokens: 10, reasoningTokens: 3, isEstimated: true });
    expect(billed.usage.outputTokens).toEqual({ total: undefined, text: undefined, reasoning: undefined });
  });

  it('clamps cache and reasoning counts larger than their totals, in the customer’s favour', () => {
    const usage = createUsage({ total: 1200, cacheRead: 2000, cacheWrite: 50 }, { total: 300, reasoning: 500 });
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    // 1200 × 28 + 300 × 420: nothing uncached, no cache write, no text output billed.
    expect(billed).toMatchObject({
      promptTokens: 1200,
      completionTokens: 300,
      cachedTokens: 1200,
      cacheWriteTokens: 0,
      reasoningTokens: 300,
      upstreamCostNanos: 159_600n,
      isEstimated: false,
    });
  });

  it('bills a negative cache read as no cache read', () => {
    const usage = createUsage({ total: 1000, cacheRead: -1000 }, { total: 0 });
    const billed = meterUsage({ usage, request, deliveredText: nothingDelivered, prices, markupBasisPoints: 0 });
    expect(billed).toMatchObject({ cachedTokens: 0, upstreamCostNanos: 280_000n, isEstimated: false });
    expect(billed.usage.inputTokens.cacheRead).toBeUndefined();
  });

  describe('with the call’s bounds (INV-7)', () => {
    const bounds = { promptTokensMax: 131_072, completionTokensMax: 100 };

    it('bills a prompt above the context window by the local estimate, flagged estimated', () => {
      const usage = createUsage({ total: 50_000_000, noCache: 49_000_000, cacheRead: 1_000_000 }, { total: 3 });
      const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 0, bounds });
      // 26 × 280 + 3 × 420
      expect(billed).toMatchObject({
        promptTokens: estimatedPromptTokens,
        cachedTokens: 0,
        completionTokens: 3,
        costNanos: 8_540n,
        upstreamCostNanos: 8_540n,
        isEstimated: true,
      });
      expect(findImpossibleUsage(usage, bounds)).toEqual({ promptTokens: 50_000_000 });
    });

    it('clamps an output above the limit it was sent with to that limit, reasoning within it', () => {
      const usage = createUsage({ total: 10 }, { total: 5_000_000, reasoning: 4_000_000 });
      const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 0, bounds });
      // 10 × 280 + 100 × 420 (all of it reasoning, at the completion price)
      expect(billed).toMatchObject({
        promptTokens: 10,
        completionTokens: 100,
        reasoningTokens: 100,
        costNanos: 44_800n,
        isEstimated: true,
      });
      expect(findImpossibleUsage(usage, bounds)).toEqual({ completionTokens: 5_000_000 });
    });

    it('leaves counts at the bounds as reported', () => {
      const usage = createUsage({ total: 131_072 }, { total: 100 });
      const billed = meterUsage({ usage, request, deliveredText: delivered, prices, markupBasisPoints: 0, bounds });
      expect(billed).toMatchObject({ promptTokens: 131_072, completionTokens: 100, isEstimated: false });
      expect(findImpossibleUsage(usage, bounds)).toBeUndefined();
    });
  });
});
