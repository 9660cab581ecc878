import { describe, expect, it } from 'vitest';
import { convertUsage } from './convert-usage.js';

type Counts = [
  total: unknown,
  noCache: unknown,
  cacheRead: unknown,
  outputTotal: unknown,
  text: unknown,
  reasoning: unknown,
];

describe('convertUsage', () => {
  it.each<[string, unknown, Counts]>([
    ['full final chunk', { promptTokenCount: 8, candidatesTokenCount: 14, totalTokenCount: 22 }, [8, 8, 0, 14, 14, 0]],
    [
      'cached tokens are inside the prompt count',
      { promptTokenCount: 2310, cachedContentTokenCount: 2048, candidatesTokenCount: 17, totalTokenCount: 2327 },
      [2310, 262, 2048, 17, 17, 0],
    ],
    [
      'thoughts are outside the candidates count',
      { promptTokenCount: 11, candidatesTokenCount: 9, thoughtsTokenCount: 120, totalTokenCount: 140 },
      [11, 11, 0, 129, 9, 120],
    ],
    [
      'tool-use prompt tokens are input on top of the prompt',
      { promptTokenCount: 100, toolUsePromptTokenCount: 40, candidatesTokenCount: 5, totalTokenCount: 145 },
      [140, 140, 0, 5, 5, 0],
    ],
    [
      'no candidates count, but the total proves there was no visible output',
      { promptTokenCount: 2595, totalTokenCount: 2595 },
      [2595, 2595, 0, 0, 0, 0],
    ],
    [
      'no candidates count, derived from the total',
      { promptTokenCount: 10, thoughtsTokenCount: 30, totalTokenCount: 47 },
      [10, 10, 0, 37, 7, 30],
    ],
    [
      'a chunk before generation: only the prompt count, output unknown',
      { promptTokenCount: 8 },
      [8, 8, 0, undefined, undefined, 0],
    ],
    [
      'no prompt count: input unknown, zero fields not assumed',
      { candidatesTokenCount: 4 },
      [undefined, undefined, undefined, undefined, 4, undefined],
    ],
    ['empty object: everything unknown', {}, [undefined, undefined, undefined, undefined, undefined, undefined]],
    [
      'nonsense counts are unknown, not zero',
      { promptTokenCount: -1, candidatesTokenCount: 2.5, thoughtsTokenCount: '3', cachedContentTokenCount: 1e12 },
      [undefined, undefined, undefined, undefined, undefined, undefined],
    ],
    [
      'a cache count above the prompt leaves the uncached count unknown',
      { promptTokenCount: 10, cachedContentTokenCount: 20, candidatesTokenCount: 1 },
      [10, undefined, 20, 1, 1, 0],
    ],
    [
      'a total smaller than its parts does not produce a negative count',
      { promptTokenCount: 10, totalTokenCount: 5 },
      [10, 10, 0, undefined, undefined, 0],
    ],
  ])('%s', (_name, wire, [total, noCache, cacheRead, outputTotal, text, reasoning]) => {
    const usage = convertUsage(wire);
    expect(usage).toEqual({
      inputTokens: { total, noCache, cacheRead, cacheWrite: undefined },
      outputTokens: { total: outputTotal, text, reasoning },
      isEstimated: false,
      raw: wire,
    });
  });

  it.each([undefined, null, 5, 'usage', [1, 2]])('no usage object (%o) → undefined', (wire) => {
    expect(convertUsage(wire)).toBeUndefined();
  });
});
