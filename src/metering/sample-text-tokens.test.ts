import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it, vi } from 'vitest';
import { sampleTextTokens } from './count-tokens.js';

// The tokenizer, counted: a sample remembered is not tokenized again.
vi.mock('gpt-tokenizer/encoding/o200k_base', async (importOriginal) => {
  const actual = await importOriginal<{ countTokens: typeof countTokens }>();
  return { ...actual, countTokens: vi.fn(actual.countTokens) };
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

describe('sampleTextTokens', () => {
  it("tokenizes a long context's 16 samples once, then answers an equal context from memory", () => {
    const tokenize = vi.mocked(countTokens);
    tokenize.mockClear();
    const first = sampleTextTokens(createContext(1_000_000, 'turn'));
    // 16 samples of 2 KiB, each at most one tokenizer piece.
    expect(tokenize).toHaveBeenCalledTimes(16);
    tokenize.mockClear();
    expect(sampleTextTokens(createContext(1_000_000, 'turn'))).toBe(first);
    expect(tokenize).not.toHaveBeenCalled();
    // Another context is counted on its own samples.
    expect(sampleTextTokens(createContext(1_000_000, 'other'))).not.toBe(0);
    expect(tokenize).toHaveBeenCalledTimes(16);
  });
});
