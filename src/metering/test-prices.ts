import type { PriceTable } from '../catalog/catalog-types.js';

/** DeepSeek-like prices for tests: prompt 0.28, completion 0.42, cache read 0.028 per 1M tokens. */
export function createTestPrices(overrides: Partial<PriceTable> = {}): PriceTable {
  return {
    promptNanosPerMillion: 280_000_000n,
    completionNanosPerMillion: 420_000_000n,
    cacheReadNanosPerMillion: 28_000_000n,
    cacheWriteNanosPerMillion: undefined,
    reasoningNanosPerMillion: undefined,
    published: { prompt: '0.28', completion: '0.42', cacheRead: '0.028' },
    ...overrides,
  };
}
