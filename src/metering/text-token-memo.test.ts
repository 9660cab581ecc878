import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countTextTokens } from './count-tokens.js';
import {
  createTextTokenMemo,
  tokenMemoDigestCharsMin,
  tokenMemoTextCharsMax,
  tokenMemoTextCharsMin,
} from './text-token-memo.js';

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
    const memo = createTextTokenMemo({ charsMax: 3 * 256, entriesMax: 100, digestEntriesMax: 100 });
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
    const memo = createTextTokenMemo({ charsMax: 1_000_000, entriesMax: 2, digestEntriesMax: 100 });
    const counter = createCounter();
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => text(letter));
    for (const each of [a, b, c]) memo.count(each!, counter.count);
    expect(memo.entryCount).toBe(2);
    counter.counted.length = 0;
    for (const each of [c, b, a]) memo.count(each!, counter.count);
    expect(counter.counted).toEqual([a]);
  });

  it('does not keep a text larger than the whole character bound', () => {
    const memo = createTextTokenMemo({ charsMax: 300, entriesMax: 10, digestEntriesMax: 10 });
    const counter = createCounter();
    expect(memo.count(text('x', 400), counter.count)).toBe(400);
    expect(memo.entryCount).toBe(0);
    expect(memo.charCount).toBe(0);
  });
});

describe('createTextTokenMemo, long texts', () => {
  /** A long text of its own: a label and letters, `length` characters. */
  const long = (label: string, length = 5_000): string => `${label}:`.padEnd(length, 'x');

  it('remembers a text from the digest length on by its digest, not by the text', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const shortest = long('d', tokenMemoDigestCharsMin);
    const below = long('t', tokenMemoDigestCharsMin - 1);
    for (let round = 0; round < 2; round += 1) {
      // Another string object with the same characters each round.
      expect(memo.count(shortest.slice(0, 1) + shortest.slice(1), counter.count)).toBe(tokenMemoDigestCharsMin);
      expect(memo.count(below.slice(0, 1) + below.slice(1), counter.count)).toBe(tokenMemoDigestCharsMin - 1);
    }
    expect(counter.counted).toEqual([shortest, below]);
    expect(memo.entryCount).toBe(2);
    // Only the shorter text is kept as characters.
    expect(memo.charCount).toBe(tokenMemoDigestCharsMin - 1);
  });

  it('tells long texts apart that differ in one character or in length', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const base = long('a');
    const variants = [base, `${base.slice(0, 2_500)}y${base.slice(2_501)}`, `${base}x`, base.slice(1)];
    for (const variant of variants) memo.count(variant, counter.count);
    for (const variant of variants) expect(memo.count(variant, counter.count)).toBe(variant.length);
    expect(counter.counted).toEqual(variants);
  });

  it('forgets the least recently used long texts when their entries exceed their bound', () => {
    const memo = createTextTokenMemo({ charsMax: 100, entriesMax: 1, digestEntriesMax: 2 });
    const counter = createCounter();
    const [a, b, c] = ['a', 'b', 'c'].map((label) => long(label));
    for (const each of [a, b, a, c]) memo.count(each!, counter.count); // a used again: b is the oldest, and goes
    expect(memo.entryCount).toBe(2);
    counter.counted.length = 0;
    for (const each of [a, c, b]) memo.count(each!, counter.count);
    expect(counter.counted).toEqual([b]);
  });

  it('gives a long text with lone surrogates the count of its UTF-8 form, where they are U+FFFD', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const [high, low, replaced] = ['\ud800', '\udc00', '\ufffd'].map((character) => `${long('s')}${character}`);
    for (const each of [high, low, replaced]) expect(memo.count(each!, counter.count)).toBe(5_001);
    expect(counter.counted).toEqual([high]);
  });

  it('keeps 40 agent conversations of 41 messages and 200 KB each, cycled, counted once', () => {
    const memo = createTextTokenMemo();
    const counter = createCounter();
    const conversations = Array.from({ length: 40 }, (_, conversation) =>
      Array.from({ length: 41 }, (_, turn) => long(`conversation ${conversation} turn ${turn}`)),
    );
    for (let round = 0; round < 3; round += 1) {
      for (const messages of conversations) for (const message of messages) memo.count(message, counter.count);
    }
    // Kept as texts, 8 MiB held about 20 of them: cycling 40 forgot each before it came back, and counted it again.
    expect(counter.counted).toHaveLength(40 * 41);
    expect(memo.entryCount).toBe(40 * 41);
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

  it('gives the tokenizer count for a remembered long text (kept by digest)', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(30);
    const changed = `${prose.slice(0, 600)}cat${prose.slice(603)}`;
    expect(prose.length).toBeGreaterThanOrEqual(tokenMemoDigestCharsMin);
    expect(countTokens(prose)).toBe(301);
    for (let round = 0; round < 2; round += 1) {
      expect(countTextTokens(prose)).toBe(301);
      expect(countTextTokens(changed)).toBe(countTokens(changed));
    }
    expect(countTokens(changed)).not.toBe(301);
  });
});
