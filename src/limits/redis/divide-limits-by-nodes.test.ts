import { describe, expect, it } from 'vitest';
import { divideLimitsByNodes } from './divide-limits-by-nodes.js';

describe('divideLimitsByNodes', () => {
  it.each([
    [{ requestsPerMinute: 60, tokensPerMinute: 100_000, concurrencyMax: 5 }, 3, [20, 33_334, 2]],
    [{ requestsPerMinute: 60, tokensPerMinute: 100_000, concurrencyMax: 5 }, 1, [60, 100_000, 5]],
    [{ requestsPerMinute: 2, tokensPerMinute: 1, concurrencyMax: 1 }, 3, [1, 1, 1]],
    [{ requestsPerMinute: 7, tokensPerMinute: null, concurrencyMax: null }, 2, [4, null, null]],
    // A count that cannot be right (0, fractional) is treated as at least one node.
    [{ requestsPerMinute: 60, tokensPerMinute: null, concurrencyMax: null }, 0, [60, null, null]],
    [{ requestsPerMinute: 60, tokensPerMinute: null, concurrencyMax: null }, 2.9, [30, null, null]],
  ])('%j on %d nodes → %j (ceil, at least 1, null stays unlimited)', (limits, nodes, expected) => {
    const share = divideLimitsByNodes(limits, nodes);
    expect([share.requestsPerMinute, share.tokensPerMinute, share.concurrencyMax]).toEqual(expected);
  });
});
