import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTextLiterals, textLiteralDepthMax } from './find-text-literals.js';

type Json = null | boolean | number | string | Json[] | { readonly members: readonly (readonly [string, Json])[] };

/** A deterministic source of formatting choices, so that one fast-check seed gives one spelling of a body. */
function createChoices(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A JSON string literal spelt one of the ways clients spell them: as JSON.stringify does, or escaping more. */
function writeString(text: string, next: () => number): string {
  const style = next();
  if (style < 0.4) return JSON.stringify(text);
  const escape = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  // Escaping letters too spells a key like `content` as `cont\u0065nt`, which JSON.parse reads as `content`.
  const isEscaped =
    style < 0.7
      ? (unit: string) => unit > '\x7e' || unit === '/'
      : (unit: string) => unit > '\x7e' || unit === 'e' || unit === 'n';
  let literal = '"';
  for (const unit of text.split('')) {
    if (unit === '/' && isEscaped(unit)) literal += '\\/';
    else literal += isEscaped(unit) ? escape(unit) : JSON.stringify(unit).slice(1, -1);
  }
  return `${literal}"`;
}

/** A written string value: its text and the literal spelling it, for what the scan must find. */
interface Written {
  readonly text: string;
  readonly literal: string;
}

/** Writes `value` spelt by `next`, noting each string value's literal in `strings` and whether any object repeats a key. */
function writeJson(value: Json, next: () => number, strings: Written[], repeats: { isAny: boolean }): string {
  const space = (): string => [' ', '', '\n  ', '\t', ''][Math.floor(next() * 5)]!;
  if (typeof value === 'string') {
    const literal = writeString(value, next);
    strings.push({ text: value, literal });
    return literal;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${space()}${value.map((item) => writeJson(item, next, strings, repeats)).join(`,${space()}`)}${space()}]`;
  if (new Set(value.members.map(([key]) => key)).size !== value.members.length) repeats.isAny = true;
  const members = value.members.map(
    ([key, item]) => `${writeString(key, next)}${space()}:${space()}${writeJson(item, next, strings, repeats)}`,
  );
  return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
}

const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const awkwardText = fc.oneof(
  text,
  fc.constantFrom('"', '\\', '\\"', '"}]', 'content', '\\\\', '{"content":"x"}', 'text', '1', '0'),
);
const leaf: fc.Arbitrary<Json> = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), awkwardText);
/** Objects with keys that repeat (spelt plainly or escaped by writeString) and integer-like keys V8 orders first. */
const value: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(awkwardText, tie('json')), { maxLength: 4 }).map((members) => ({ members })),
  ),
})).json;
/** The literal length from which the property test's scans keep a string: short, so that many are kept. */
const bytesMin = 6;

describe('findTextLiterals', () => {
  it('finds exactly the long strings JSON.parse reads, however the body is spelt', () => {
    fc.assert(
      fc.property(value, fc.integer(), (written, seed) => {
        const strings: Written[] = [];
        const repeats = { isAny: false };
        const body = Buffer.from(writeJson(written, createChoices(seed), strings, repeats));
        const list = findTextLiterals(body, JSON.parse(body.toString('utf8')), bytesMin);
        const found = list === undefined ? undefined : new Map(list.map(({ text, bytes }) => [text, bytes]));
        if (repeats.isAny) return found === undefined;
        const expected = strings.filter(({ literal }) => Buffer.byteLength(literal) >= bytesMin);
        if (expected.length === 0) return found === undefined;
        if (found === undefined) return false;
        const isEachFound = expected.every(({ text }) => found.has(text));
        const isEachRight = [...found].every(
          ([text, bytes]) => bytes.length >= bytesMin && JSON.parse(bytes.toString('utf8')) === text,
        );
        return isEachFound && isEachRight && found.size === new Set(expected.map(({ text }) => text)).size;
      }),
      { numRuns: 3_000 },
    );
  });

  it('keys each literal by the string it spells, escapes included, wherever it is', () => {
    const body = Buffer.from(
      '{"model":"m","system":[{"type":"text","text":"a\\u00e9\\/\\"b"}],"messages":[{"role":"user","content":[]}]}',
    );
    const found = findTextLiterals(body, JSON.parse(body.toString('utf8')), 8)!;
    expect(found.map(({ text, bytes }) => [text, bytes.toString('utf8')])).toEqual([['aé/"b', '"a\\u00e9\\/\\"b"']]);
  });

  it('ends on any bytes at all, JSON or not, without throwing', () => {
    const parsed: unknown = { messages: [{ content: 'x' }] };
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.constantFrom('', '{"messages":[{"content":', '{"messages":[{"content":"xxxxxxxxxxxx'),
        (tail, head) => {
          const result = findTextLiterals(Buffer.from(head + tail), parsed, 1);
          return result === undefined || Array.isArray(result);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('finds nothing where bytes and value disagree, and does not walk past its depth bound', () => {
    const long = 'x'.repeat(40);
    const scan = (json: string, parsed: unknown = JSON.parse(json)) => findTextLiterals(Buffer.from(json), parsed, 10);
    expect(scan(`{"a":"${long}","a":"${long}"}`)).toBeUndefined();
    expect(scan(`{"a":"${long}"}`, { a: 5 })).toBeUndefined();
    expect(scan(`{"a":"${long}"}`, { a: 'x'.repeat(41) })).toBeUndefined();
    expect(scan(`{"a":["${long}"]}`, { a: { 0: long } })).toBeUndefined();
    expect(scan(`{"a":["${long}"]}`, { a: [long, long] })).toBeUndefined();
    expect(scan(`{"a":"${long}"} x`, { a: long })).toBeUndefined();
    const nested = (depth: number): string => `${'['.repeat(depth)}"${long}"${']'.repeat(depth)}`;
    expect(scan(nested(textLiteralDepthMax))?.[0]?.bytes.toString()).toBe(`"${long}"`);
    expect(scan(nested(textLiteralDepthMax + 1))).toBeUndefined();
    expect(scan(`[${nested(textLiteralDepthMax + 1)},"${long}"]`)).toHaveLength(1);
    // One value more than it may walk: none; exactly as many: found.
    const many = `[${'0,'.repeat(8)}"${long}"]`;
    expect(findTextLiterals(Buffer.from(many), JSON.parse(many), 10, 9)).toBeUndefined();
    expect(findTextLiterals(Buffer.from(many), JSON.parse(many), 10, 10)).toHaveLength(1);
  });
});
