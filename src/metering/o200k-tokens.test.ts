import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countO200kTokens, mergedPieceCountMax, rememberedPieceCount } from './o200k-tokens.js';

// The oracle: the tokenizer library's own encoder for the same encoding (a separate implementation, with its own
// string map), told to count special-token strings as text as ours does.
const asPlainText = { disallowedSpecial: new Set<string>() };
const oracle = (text: string): number => countTokens(text, asPlainText);

/** The library's recorded test plans: samples with their exact o200k_base token ids. */
function readTestPlans(): { readonly sample: string; readonly tokens: number }[] {
  const path = createRequire(import.meta.url).resolve('gpt-tokenizer/data/TestPlans.txt');
  const plans: { sample: string; tokens: number }[] = [];
  for (const block of readFileSync(path, 'utf8').split('\n\n')) {
    const match = /^EncodingName: o200k_base\nSample: ([^\n]*)\nEncoded: \[([^\]]*)\]/.exec(block);
    if (match === null) continue;
    const ids = match[2]!.trim();
    plans.push({ sample: match[1]!, tokens: ids === '' ? 0 : ids.split(',').length });
  }
  return plans;
}

/** Pieces that exercise the pattern's branches: contractions, case runs, digits, marks, CJK, emoji, whitespace. */
const tricky = [
  'a',
  'b',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\t',
  'é',
  'e\u0301',
  '中',
  '文',
  '日本',
  'Ж',
  'ß',
  'İ',
  '🌍',
  '👨‍👩‍👧',
  '\ud83d',
  '\udc00',
  '1',
  '123',
  '4567',
  '.',
  ',',
  '!!',
  '?',
  "'s",
  "'S",
  "'ll",
  "'VE",
  '<|endoftext|>',
  '<|im_start|>',
  '//',
  '/',
  '{',
  '}',
  '()',
  '=>',
  '$',
  '€',
  'ABC',
  'Abc',
  'aBC',
  'ﬁ',
  '\u200b',
  '\u00a0',
  'ـ',
  'العربية',
  'हिन्दी',
];

describe('countO200kTokens', () => {
  it("counts every o200k_base sample of the library's test plans exactly", () => {
    const plans = readTestPlans();
    expect(plans.length).toBeGreaterThanOrEqual(20);
    for (const plan of plans) expect([plan.sample, countO200kTokens(plan.sample)]).toEqual([plan.sample, plan.tokens]);
  });

  it.each([
    ['', 0],
    ['ok', 1],
    ['Hello hello', 2],
    ['<|endoftext|>', 7],
    ['Say hello <|endoftext|> twice.', 11],
  ])('%j → %i tokens', (text, tokens) => {
    expect(countO200kTokens(text)).toBe(tokens);
  });

  it('agrees with the library on texts made of tricky pieces', () => {
    const text = fc.array(fc.constantFrom(...tricky), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (sample) => countO200kTokens(sample) === oracle(sample)),
      { numRuns: 3_000 },
    );
  });

  it('agrees with the library on arbitrary Unicode, lone surrogates included (U+FEFF aside, below)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }).filter((sample) => !sample.includes('\uFEFF')),
        (sample) => countO200kTokens(sample) === oracle(sample),
      ),
      { numRuns: 3_000 },
    );
  });

  it('counts U+FEFF as the one token the vocabulary has for its bytes, where the library counts two', () => {
    // o200k_base.tiktoken holds `77u/ 5574`: EF BB BF, the UTF-8 of U+FEFF, is one token, and tiktoken encodes a piece
    // found whole in the vocabulary as that token. The library's encoder (its map keyed by decoded strings) loses that
    // entry and answers EF BB + BF: two tokens. Found by the property above (about one run in 120 000 drew it).
    expect(countO200kTokens('\uFEFF')).toBe(1);
    expect(oracle('\uFEFF')).toBe(2);
    expect(countO200kTokens('a\uFEFFb')).toBe(oracle('a\uFEFFb') - 1);
  });

  it('counts a text as its UTF-8 form: lone surrogates as U+FFFD (what the token memo keys long texts by)', () => {
    const toUtf8Form = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (sample) => {
        return countO200kTokens(sample) === countO200kTokens(toUtf8Form(sample));
      }),
      { numRuns: 3_000 },
    );
    expect(countO200kTokens('a\ud800b\udc00 c')).toBe(countO200kTokens('a\ufffdb\ufffd c'));
  });

  it('agrees with the library on long prose, code and CJK', () => {
    const text = [
      'The quick brown fox jumps over the lazy dog. '.repeat(200),
      'export function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(100),
      '人工智能正在改变世界。我们需要负责任地使用它。'.repeat(100),
      'aaaaaaaaaa'.repeat(150),
      // One piece of 6 KiB: a run of CJK characters with no space or punctuation.
      '人工智能正在改变世界我们需要负责任地使用它这是一个非常重要的问题因为技术发展得很快'.repeat(50),
    ].join('\n');
    expect(countO200kTokens(text)).toBe(oracle(text));
  });

  it('remembers at most its bound of merged pieces, and counts the same once it forgot them', () => {
    // 20 000 different made-up words: each a piece that is no token, so each needs a merge and is remembered.
    const letters = 'bcdfghjklmnpqrstvwxz';
    const words: string[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      let word = ' q';
      for (let rest = index; word.length < 8; rest = Math.floor(rest / letters.length))
        word += letters[rest % letters.length];
      words.push(word);
    }
    const text = words.join('');
    const counted = countO200kTokens(text);
    expect(counted).toBe(oracle(text));
    expect(rememberedPieceCount()).toBeGreaterThan(0);
    expect(rememberedPieceCount()).toBeLessThanOrEqual(mergedPieceCountMax);
    expect(countO200kTokens(text)).toBe(counted);
  });
});
