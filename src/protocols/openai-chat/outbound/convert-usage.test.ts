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

describe("convertUsage: Gemini's OpenAI-compatible endpoint leaves thinking out of completion_tokens", () => {
  it('adds the reported reasoning that only total_tokens counts to the output', () => {
    const usage = convertUsage({
      prompt_tokens: 20,
      completion_tokens: 424,
      total_tokens: 1_016,
      completion_tokens_details: { reasoning_tokens: 572 },
    });
    expect(usage?.outputTokens).toEqual({ total: 996, text: 424, reasoning: 572 });
  });

  it('counts the gap between total_tokens and prompt + completion as reasoning when none is reported', () => {
    const usage = convertUsage({ prompt_tokens: 20, completion_tokens: 424, total_tokens: 1_016 });
    expect(usage?.outputTokens).toEqual({ total: 996, text: 424, reasoning: 572 });
  });

  it("keeps OpenAI's own shape (reasoning inside completion_tokens) as reported", () => {
    const usage = convertUsage({
      prompt_tokens: 20,
      completion_tokens: 600,
      total_tokens: 620,
      completion_tokens_details: { reasoning_tokens: 572 },
    });
    expect(usage?.outputTokens).toEqual({ total: 600, text: 28, reasoning: 572 });
  });

  it('leaves a gap that is not the reported reasoning count as reported', () => {
    const usage = convertUsage({
      prompt_tokens: 20,
      completion_tokens: 600,
      total_tokens: 700,
      completion_tokens_details: { reasoning_tokens: 572 },
    });
    expect(usage?.outputTokens).toEqual({ total: 600, text: 28, reasoning: 572 });
  });
});
