import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jsonPieceBytesMax,
  jsonPieceValuesMax,
  jsonWholeBytesMax,
  parseInPieces,
  parseJsonBytes,
} from './parse-json-bytes.js';

/** A JSON text spelt with random whitespace around every token, from a value fast-check makes. */
function spell(value: unknown, next: () => number): string {
  const space = (): string => [' ', '', '\n', '\t ', '', '\r\n'][Math.floor(next() * 6)]!;
  if (Array.isArray(value))
    return `[${space()}${value.map((item) => spell(item, next)).join(`${space()},${space()}`)}${space()}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}${space()}:${space()}${spell(item, next)}`,
    );
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

function createNext(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

/** Keys that matter to JSON.parse's objects: repeated, integer-like (ordered first) and `__proto__` (an own key). */
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '0', '7', 'a', 'b'));
const value = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('json'), { maxLength: 6 }),
    fc.dictionary(key, tie('json'), { maxKeys: 6 }),
  ),
})).json;
/** A text spelt from a value, sometimes with a member repeated, and sometimes broken by one edit. */
const text = fc
  .tuple(
    value,
    fc.integer(),
    fc.nat(),
    fc.constantFrom('', ',', ':', '}', ']', '"', '\\', 'x', ' ', '[', '{', '1', 'DEL', '\n', '\u0001', 'é'),
  )
  .map(([written, seed, at, edit]) => {
    let spelt = spell(written, createNext(seed));
    // A repeated key: the last one wins, where the first one was.
    spelt = spelt.replace(/\{"a":(\d+)/, '{"a":$1,"b":2,"a":3');
    if (edit === '') return spelt;
    const position = at % (spelt.length + 1);
    return edit === 'DEL'
      ? spelt.slice(0, position) + spelt.slice(position + 1)
      : spelt.slice(0, position) + edit + spelt.slice(position);
  });

function outcome(parse: () => unknown): string {
  try {
    const parsed = parse();
    return `value ${JSON.stringify(parsed)} ${describePrototypes(parsed)}`;
  } catch (error) {
    return error instanceof SyntaxError ? 'SyntaxError' : `other ${String(error)}`;
  }
}

/** Whether every object is a plain one, as JSON.parse makes (an assigned `__proto__` would change that). */
function describePrototypes(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const isPlain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  return `${isPlain ? '' : 'odd'}${Object.values(value).map(describePrototypes).join('')}`;
}

describe('parseJsonBytes', () => {
  it('reads any text split into pieces of any size exactly as JSON.parse reads it whole, and rejects what it rejects', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 64 }), (spelt, pieceBytesMax) => {
        const bytes = Buffer.from(spelt);
        const whole = outcome(() => JSON.parse(bytes.toString('utf8')));
        const split = outcome(() => parseInPieces(bytes, pieceBytesMax));
        // The split's own grammar errors are not SyntaxErrors: parseJsonBytes turns them into JSON.parse's.
        return whole === 'SyntaxError' ? !split.startsWith('value') : split === whole;
      }),
      { numRuns: 5_000 },
    );
  });

  it("parses a long agent body in pieces with the same result, and fails on bad bytes with JSON.parse's own error", () => {
    const turns = Array.from({ length: 40 }, (_, index) => ({
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: index % 3 === 0 ? [{ type: 'text', text: `函数 ${index} `.repeat(900) }] : `naïve ${index} `.repeat(700),
    }));
    const body = Buffer.from(JSON.stringify({ model: 'm', messages: turns, max_tokens: 64, 3: [1, 2] }));
    expect(body.length).toBeGreaterThan(jsonWholeBytesMax * 3);
    expect(JSON.stringify(parseJsonBytes(body))).toBe(JSON.stringify(JSON.parse(body.toString('utf8'))));
    // Between two messages past the middle: a comma too many.
    const at = body.indexOf('},{', 150_000) + 1;
    const broken = Buffer.concat([body.subarray(0, at), Buffer.from(','), body.subarray(at)]);
    let expected = 'none';
    try {
      JSON.parse(broken.toString('utf8'));
    } catch (error) {
      expected = (error as Error).message;
    }
    expect(() => parseJsonBytes(broken)).toThrow(new SyntaxError(expected));
  });

  it('parses a body of more values than it may split at once, with the same result', () => {
    const items = Array.from({ length: jsonPieceValuesMax / 4 }, (_, index) => ({ n: index, text: 'x'.repeat(20) }));
    const body = Buffer.from(JSON.stringify({ model: 'm', items }));
    expect(() => parseInPieces(body, jsonPieceBytesMax)).toThrow();
    expect(JSON.stringify(parseInPieces(body, jsonPieceBytesMax, jsonPieceValuesMax * 4))).toBe(
      JSON.stringify(JSON.parse(body.toString())),
    );
    expect(JSON.stringify(parseJsonBytes(body))).toBe(JSON.stringify(JSON.parse(body.toString())));
  });
});
