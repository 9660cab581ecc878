import { describe, expect, it } from 'vitest';
import { convertUsage } from './convert-usage.js';

describe('convertUsage', () => {
  it.each([
    [
      'all four counts',
      { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 7 },
      { total: 115, noCache: 10, cacheRead: 100, cacheWrite: 5 },
      7,
    ],
    [
      'no cache fields: they add 0 to the total',
      { input_tokens: 10, output_tokens: 7 },
      { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
      7,
    ],
    [
      'null cache fields (Anthropic before caching applies)',
      { input_tokens: 3, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 1 },
      { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
      1,
    ],
    [
      'no input_tokens: total unknown, cache counts kept',
      { cache_read_input_tokens: 64, output_tokens: 2 },
      { total: undefined, noCache: undefined, cacheRead: 64, cacheWrite: undefined },
      2,
    ],
    [
      'impossible counts are unknown',
      { input_tokens: -1, cache_read_input_tokens: 1.5, cache_creation_input_tokens: 1e12, output_tokens: '7' },
      { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      undefined,
    ],
    [
      'an empty object',
      {},
      { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      undefined,
    ],
  ] as const)('%s', (_name, wire, inputTokens, outputTotal) => {
    expect(convertUsage(wire)).toEqual({
      inputTokens,
      outputTokens: { total: outputTotal, text: undefined, reasoning: undefined },
      isEstimated: false,
      raw: wire,
    });
  });

  it.each([[undefined], [null], [5], ['usage'], [[1, 2]]])('returns undefined for %j', (wire) => {
    expect(convertUsage(wire)).toBeUndefined();
  });

  it('keeps the 1-hour part of the cache writes (cache_creation.ephemeral_1h_input_tokens)', () => {
    const usage = convertUsage({
      input_tokens: 10,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      output_tokens: 5,
    });
    expect(usage?.inputTokens).toEqual({
      total: 3010,
      noCache: 10,
      cacheRead: 0,
      cacheWrite: 3000,
      cacheWrite1h: 2000,
    });
  });
});
