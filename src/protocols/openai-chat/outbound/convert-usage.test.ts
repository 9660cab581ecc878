import { describe, expect, it } from 'vitest';
import { convertUsage } from './convert-usage.js';

describe('convertUsage (OpenAI-compatible usage → canonical)', () => {
  it("reads Qwen/DashScope's explicit-cache writes from prompt_tokens_details.cache_creation_input_tokens", () => {
    const usage = convertUsage({
      prompt_tokens: 3_019,
      completion_tokens: 104,
      total_tokens: 3_123,
      prompt_tokens_details: {
        cached_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 1_500 },
        cache_creation_input_tokens: 1_500,
        cache_type: 'ephemeral',
      },
    });
    expect(usage?.inputTokens).toEqual({ total: 3_019, noCache: 1_519, cacheRead: 0, cacheWrite: 1_500 });
  });
});
