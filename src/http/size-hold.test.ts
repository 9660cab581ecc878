import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../catalog/catalog-types.js';
import { createTestPrices } from '../metering/test-prices.js';
import type { RoutePlan } from '../routing/index.js';
import { affordableOutputTokens, dearestPrices, holdCost } from './size-hold.js';

function planOf(...prices: ReturnType<typeof createTestPrices>[]): RoutePlan {
  const endpoints = prices.map((table) => ({ prices: table, schedule: [] }) as unknown as Endpoint);
  return { attempts: endpoints.map((endpoint) => ({ endpoint })) } as unknown as RoutePlan;
}

describe('dearestPrices', () => {
  it('sizes the prompt at the dearest cache-write price, the 1-hour one included', () => {
    const claude = createTestPrices({
      promptNanosPerMillion: 3_000_000_000n,
      cacheWriteNanosPerMillion: 3_750_000_000n,
      cacheWrite1hNanosPerMillion: 6_000_000_000n,
    });
    expect(dearestPrices(planOf(createTestPrices(), claude), 0).cacheWriteNanosPerMillion).toBe(6_000_000_000n);
  });

  it('never sizes the prompt below the prompt price', () => {
    const cheapWrites = createTestPrices({ cacheWriteNanosPerMillion: 1n, cacheWrite1hNanosPerMillion: 2n });
    expect(dearestPrices(planOf(cheapWrites), 0).cacheWriteNanosPerMillion).toBe(280_000_000n);
  });
});

describe('holdCost and affordableOutputTokens', () => {
  /** 1 USD per 1M prompt tokens (sized as cache writes at that price), 2 USD per 1M output tokens, no markup. */
  const prices = createTestPrices({
    promptNanosPerMillion: 1_000_000_000n,
    completionNanosPerMillion: 2_000_000_000n,
    cacheWriteNanosPerMillion: 1_000_000_000n,
    reasoningNanosPerMillion: undefined,
  });
  const sizing = (choiceCount: number) => ({
    promptTokens: 1_000,
    outputTokensMax: 1_000,
    choiceCount,
    prices,
    markupBasisPoints: 0,
  });

  it('holds every choice of n: max_tokens applies to each of them', () => {
    // 1 000 × 1 000 + 1 000 × 2 000 nano-USD for one choice; the output 16 times for n = 16.
    expect(holdCost(sizing(1), 1_000)).toBe(3_000_000n);
    expect(holdCost(sizing(16), 1_000)).toBe(1_000_000n + 16n * 2_000_000n);
  });

  it('lowers max_tokens per choice to what the hold pays for all n of them', () => {
    // 1 000 000 for the prompt leaves 2 000 000: 1 000 output tokens in all, 62 per choice of 16.
    expect(affordableOutputTokens(sizing(1), 3_000_000n)).toBe(1_000);
    expect(affordableOutputTokens(sizing(16), 3_000_000n)).toBe(62);
  });
});
