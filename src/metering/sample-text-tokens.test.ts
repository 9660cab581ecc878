import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it, vi } from 'vitest';
import { sampleTextTokens } from './count-tokens.js';
import { countO200kTokens } from './o200k-tokens.js';

// The tokenizer, counted: a sample remembered is not tokenized again. The expected counts come from the
// tokenizer library itself (an independent implementation of the same encoding).
vi.mock('./o200k-tokens.js', async (importOriginal) => {
  const actual = await importOriginal<{ countO200kTokens: typeof countO200kTokens }>();
  return { ...actual, countO200kTokens: vi.fn(actual.countO200kTokens) };
});

/** A long agent context, built anew on every call (equal text, another string), as each call's body is parsed. */
function createContext(chars: number, salt: string): string {
  const words = ['the', 'agent', 'read', 'src/app.ts', 'and', 'found', 'const', 'value', '=', '42;', salt];
  const parts: string[] = [];
  for (let index = 0, length = 0; length < chars; index += 1) {
    const word = words[(index * 7_919) % words.length]!;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ');
}

/** The documented estimate, computed here on its own: 16 evenly spaced 2 KiB samples, extrapolated to the length. */
function expectedEstimate(text: string): number {
  const stride = (text.length - 2_048) / 15;
  let sampled = 0;
  for (let index = 0; index < 16; index += 1) {
    const start = Math.floor(index * stride);
    sampled += countTokens(text.slice(start, start + 2_048));
  }
  return Math.ceil((sampled * text.length) / (16 * 2_048));
}

describe('sampleTextTokens', () => {
  it("tokenizes a long context's 16 samples once, then answers an equal context from memory", () => {
    const tokenize = vi.mocked(countO200kTokens);
    const expected = expectedEstimate(createContext(1_000_000, 'turn'));
    const expectedOther = expectedEstimate(createContext(1_000_000, 'other'));
    expect(expectedOther).not.toBe(expected);
    tokenize.mockClear();
    const first = sampleTextTokens(createContext(1_000_000, 'turn'));
    expect(first).toBe(expected);
    // 16 samples of 2 KiB, each at most one tokenizer piece.
    expect(tokenize).toHaveBeenCalledTimes(16);
    tokenize.mockClear();
    expect(sampleTextTokens(createContext(1_000_000, 'turn'))).toBe(first);
    expect(tokenize).not.toHaveBeenCalled();
    // Another context is counted on its own samples.
    expect(sampleTextTokens(createContext(1_000_000, 'other'))).toBe(expectedOther);
    expect(tokenize).toHaveBeenCalledTimes(16);
  });
});
