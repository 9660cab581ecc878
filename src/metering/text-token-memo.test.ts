import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countTextTokens } from './count-tokens.js';
import { createTextTokenMemo, tokenMemoTextCharsMax, tokenMemoTextCharsMin } from './text-token-memo.js';

/** A counter that records every text it was asked to count; its count is the text's length. */
function createCounter() {
  const counted: string[] = [];
  return {
    counted,
    count: (text: string): number => {
      counted.push(text);
      return text.length;
    },
  };
}

const text = (letter: string, length = 256): string => letter.repeat(length);

describe('createTextTokenMemo', () => {
  it('counts a text once and answers again from memory', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const long = text('a', 300);
    expect(memo.count(long, counter.count)).toBe(300);
    // The same characters in another string object are the same text.
    expect(memo.count(['a'.repeat(150), 'a'.repeat(150)].join(''), counter.count)).toBe(300);
    expect(counter.counted).toEqual([long]);
    expect(memo.entryCount).toBe(1);
    expect(memo.charCount).toBe(300);
  });

  it('never remembers a text shorter than the minimum or longer than the maximum', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const short = text('s', tokenMemoTextCharsMin - 1);
    const huge = text('h', tokenMemoTextCharsMax + 1);
    for (let round = 0; round < 2; round += 1) {
      expect(memo.count(short, counter.count)).toBe(tokenMemoTextCharsMin - 1);
      expect(memo.count(huge, counter.count)).toBe(tokenMemoTextCharsMax + 1);
    }
    expect(counter.counted).toHaveLength(4);
    expect(memo.entryCount).toBe(0);
    expect(memo.charCount).toBe(0);
  });

  it('forgets the least recently used texts when the characters exceed their bound', () => {
    const memo = createTextTokenMemo({ charsMax: 3 * 256, entriesMax: 100 });
    const counter = createCounter();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((letter) => text(letter));
    for (const each of [a, b, c]) memo.count(each!, counter.count);
    memo.count(a!, counter.count); // a is now the most recently used; b the least
    memo.count(d!, counter.count); // over the bound: b goes
    expect(memo.entryCount).toBe(3);
    expect(memo.charCount).toBe(3 * 256);
    counter.counted.length = 0;
    for (const each of [a, c, d, b]) memo.count(each!, counter.count);
    expect(counter.counted).toEqual([b]);
  });

  it('forgets the least recently used texts when the entries exceed their bound', () => {
    const memo = createTextTokenMemo({ charsMax: 1_000_000, entriesMax: 2 });
    const counter = createCounter();
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => text(letter));
    for (const each of [a, b, c]) memo.count(each!, counter.count);
    expect(memo.entryCount).toBe(2);
    counter.counted.length = 0;
    for (const each of [c, b, a]) memo.count(each!, counter.count);
    expect(counter.counted).toEqual([a]);
  });

  it('does not keep a text larger than the whole character bound', () => {
    const memo = createTextTokenMemo({ charsMax: 300, entriesMax: 10 });
    const counter = createCounter();
    expect(memo.count(text('x', 400), counter.count)).toBe(400);
    expect(memo.entryCount).toBe(0);
    expect(memo.charCount).toBe(0);
  });
});

describe('countTextTokens with the memo', () => {
  it('gives the tokenizer count for a remembered text', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(12);
    const changed = `${prose}Then it slept.`;
    expect(countTokens(prose)).toBe(121);
    expect(countTextTokens(prose)).toBe(121);
    expect(countTextTokens(prose)).toBe(121);
    expect(countTextTokens(changed)).toBe(countTokens(changed));
    expect(countTextTokens(changed)).not.toBe(121);
  });
});
