import { describe, expect, it } from 'vitest';
import type { ChatRequest, Usage } from '../spec/index.js';
import { countTextTokens, estimatePromptTokens } from './count-tokens.js';
import { meterUsage } from './meter-usage.js';
import { createTestPrices } from './test-prices.js';

const request: ChatRequest = {
  model: 'deepseek/deepseek-v3.2',
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
    { role: 'user', content: [{ type: 'text', text: 'Say hello <|endoftext|> twice.' }] },
  ],
  stream: false,
  includeUsage: false,
  routingControls: {},
  passthrough: { protocol: 'openai-chat', fields: {} },
};

function usage(input: Partial<Usage['inputTokens']>, output: Partial<Usage['outputTokens']>): Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined, ...input },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined, ...output },
    isEstimated: false,
  };
}

const nothingDelivered = { text: '', reasoning: '', toolArguments: '' };

describe('meterUsage', () => {
  it('bills DeepSeek-style usage with cache hits and reasoning exactly', () => {
    const billed = meterUsage({
      usage: usage({ total: 1200, cacheRead: 1000 }, { total: 300, reasoning: 100 }),
      request,
      deliveredText: nothingDelivered,
      prices: createTestPrices(),
      markupBasisPoints: 0,
    });
    // 200 × 280 + 1000 × 28 + 200 × 420 + 100 × 420 nano-units.
    expect(billed).toMatchObject({
      promptTokens: 1200,
      completionTokens: 300,
      cachedTokens: 1000,
      cacheWriteTokens: 0,
      reasoningTokens: 100,
      upstreamCostNanos: 210_000n,
      costNanos: 210_000n,
      isEstimated: false,
    });
  });

  it('estimates everything when the provider reported no usage, and says so', () => {
    const billed = meterUsage({
      usage: undefined,
      request,
      deliveredText: { text: 'Hello hello', reasoning: '', toolArguments: '{"a":1}' },
      prices: createTestPrices(),
      markupBasisPoints: 0,
    });
    const prompt = estimatePromptTokens(request);
    const completion = countTextTokens('Hello hello') + countTextTokens('{"a":1}');
    expect(prompt).toBe(countTextTokens('You are terse.Say hello <|endoftext|> twice.') + 2 * 3 + 3);
    expect(billed).toMatchObject({ promptTokens: prompt, completionTokens: completion, isEstimated: true });
    expect(billed.upstreamCostNanos).toBe(
      (BigInt(prompt) * 280_000_000n + BigInt(completion) * 420_000_000n) / 1_000_000n,
    );
  });

  it('estimates only the missing output total', () => {
    const billed = meterUsage({
      usage: usage({ total: 50 }, {}),
      request,
      deliveredText: { text: 'abc', reasoning: '', toolArguments: '' },
      prices: createTestPrices(),
      markupBasisPoints: 0,
    });
    expect(billed).toMatchObject({ promptTokens: 50, completionTokens: countTextTokens('abc'), isEstimated: true });
  });

  it('treats impossible counts as unknown and clamps cache reads to the prompt', () => {
    const billed = meterUsage({
      usage: usage({ total: -5, cacheRead: 10 }, { total: 1e12 }),
      request,
      deliveredText: { text: 'ok', reasoning: '', toolArguments: '' },
      prices: createTestPrices(),
      markupBasisPoints: 0,
    });
    expect(billed.promptTokens).toBe(estimatePromptTokens(request));
    expect(billed.completionTokens).toBe(countTextTokens('ok'));
    expect(billed.cachedTokens).toBe(Math.min(10, billed.promptTokens));
    expect(billed.isEstimated).toBe(true);
    expect(billed.costNanos >= 0n).toBe(true);
  });

  it('counts special-token text as plain text', () => {
    expect(countTextTokens('<|endoftext|>')).toBeGreaterThan(1);
  });
});
