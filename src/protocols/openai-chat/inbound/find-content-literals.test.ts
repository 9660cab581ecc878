import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findContentLiterals } from './find-content-literals.js';

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

function writeJson(value: Json, next: () => number): string {
  const space = (): string => [' ', '', '\n  ', '\t', ''][Math.floor(next() * 5)]!;
  if (typeof value === 'string') return writeString(value, next);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${space()}${value.map((item) => writeJson(item, next)).join(`,${space()}`)}${space()}]`;
  const members = value.members.map(
    ([key, item]) => `${writeString(key, next)}${space()}:${space()}${writeJson(item, next)}`,
  );
  return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
}

const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const awkwardText = fc.oneof(text, fc.constantFrom('"', '\\', '\\"', '"}]', 'content', '\\\\', '{"content":"x"}'));
const leaf: fc.Arbitrary<Json> = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), awkwardText);
const value: fc.Arbitrary<Json> = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('json'), { maxLength: 3 }),
    fc.array(fc.tuple(awkwardText, tie('json')), { maxLength: 3 }).map((members) => ({ members })),
  ),
})).json;
/** Keys of a message: `content` sometimes twice (spelt plainly or escaped by writeString); integer-like keys V8 orders first. */
const messageKey = fc.constantFrom('role', 'content', 'name', '1', '0', 'tool_calls', 'x');
const message: fc.Arbitrary<Json> = fc.oneof(
  fc.array(fc.tuple(messageKey, fc.oneof(awkwardText, value)), { maxLength: 5 }).map((members) => ({ members })),
  leaf,
);
const topKey = fc.constantFrom('model', 'messages', 'stream', '2', 'tools');

describe('findContentLiterals', () => {
  it('finds exactly the content strings JSON.parse reads, however the body is spelt', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(topKey, value), { maxLength: 3 }),
        fc.array(message, { maxLength: 6 }),
        fc.array(fc.tuple(topKey, value), { maxLength: 3 }),
        fc.integer(),
        (before, messages, after, seed) => {
          const members = [...before, ['messages', messages] as const, ...after];
          const body = Buffer.from(writeJson({ members }, createChoices(seed)));
          const parsed = JSON.parse(body.toString('utf8')) as { messages: unknown };
          const spans = findContentLiterals(body);
          const messagesKeys = members.filter(([key]) => key === 'messages').length;
          if (messagesKeys !== 1 || !Array.isArray(parsed.messages)) return spans === undefined;
          const parsedMessages = parsed.messages as unknown[];
          if (spans === undefined || spans.length !== parsedMessages.length) return false;
          return messages.every((written, index) => {
            const span = spans[index];
            const isObject = typeof written === 'object' && written !== null && !Array.isArray(written);
            const contents = isObject ? written.members.filter(([key]) => key === 'content') : [];
            const content = (parsedMessages[index] as { content?: unknown } | null)?.content;
            const isExpected = contents.length === 1 && typeof content === 'string';
            if (!isExpected) return span === undefined;
            return span !== undefined && JSON.parse(body.toString('utf8', span.start, span.end)) === content;
          });
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('spans the literal as the client wrote it, escapes included', () => {
    const body = Buffer.from(
      '{"model":"m","messages":[{"role":"user","content":"a\\u00e9\\/\\"b"}, {"role":"user","content":[]}]}',
    );
    const spans = findContentLiterals(body)!;
    expect(spans).toHaveLength(2);
    expect(body.toString('utf8', spans[0]!.start, spans[0]!.end)).toBe('"a\\u00e9\\/\\"b"');
    expect(spans[1]).toBeUndefined();
  });

  it('ends on any bytes at all, JSON or not, without throwing', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.constantFrom('', '{"messages":[{"content":'),
        (tail, head) => {
          const result = findContentLiterals(Buffer.from(head + tail));
          return result === undefined || Array.isArray(result);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('finds nothing in a body that names messages twice, or whose messages is not an array', () => {
    expect(findContentLiterals(Buffer.from('{"messages":[],"messages":[{"content":"x"}]}'))).toBeUndefined();
    expect(findContentLiterals(Buffer.from('{"messages":{"content":"x"}}'))).toBeUndefined();
    expect(findContentLiterals(Buffer.from('[{"messages":[]}]'))).toBeUndefined();
  });
});
