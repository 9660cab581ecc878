import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TextLiterals } from '../../spec/index.js';
import { serialiseBody } from './serialise-body.js';
import { createTextLiterals, findLiteralBytes } from './text-literals.js';

/** Literals spelt with every character escaped, a spelling no serialiser produces, so the output shows whose it is. */
function createLiterals(texts: readonly string[]): TextLiterals {
  const spell = (text: string): Buffer =>
    Buffer.from(
      `"${text
        .split('')
        .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .join('')}"`,
    );
  return createTextLiterals(texts.map((text) => ({ text, bytes: spell(text) })));
}

describe('serialiseBody', () => {
  it('copies a literal wherever the body holds its text, and leaves the body as it was', () => {
    const [a, b] = ['a'.repeat(20), 'b'.repeat(30)];
    const body = { model: 'm', 2: a, list: [a, 'short', { nested: { text: b } }], other: 'c'.repeat(20) };
    const before = structuredClone(body);
    const sent = serialiseBody(body, createLiterals([a, b]));
    expect(Buffer.isBuffer(sent)).toBe(true);
    expect(JSON.parse(String(sent))).toEqual(before);
    expect(body).toEqual(before);
    expect(String(sent).split(findLiteralBytes(createLiterals([a]), a)!.toString()).length).toBe(3);
    expect(String(sent)).toContain(findLiteralBytes(createLiterals([b]), b)!.toString());
    expect(String(sent)).toContain(`"other":"${'c'.repeat(20)}"`);
  });

  it('serialises plainly without literals, without a match, and where a value cannot be written', () => {
    const text = 'a'.repeat(20);
    expect(serialiseBody({ text }, undefined)).toBe(JSON.stringify({ text }));
    expect(serialiseBody({ text: 'b'.repeat(20) }, createLiterals([text]))).toBe(
      JSON.stringify({ text: 'b'.repeat(20) }),
    );
    const frozen = { part: Object.freeze({ text }) };
    expect(serialiseBody(frozen, createLiterals([text]))).toBe(JSON.stringify(frozen));
  });

  it('reads the same as a plain serialisation, for any body and literals', () => {
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
    const bodyAndTexts = fc.array(text, { minLength: 1, maxLength: 4 }).chain((texts) => {
      const leaf = fc.oneof(text, fc.constantFrom(...texts), fc.integer(), fc.constant(null));
      const json = fc.letrec<{ value: unknown }>((tie) => ({
        value: fc.oneof(
          { depthSize: 'small' },
          leaf,
          fc.array(tie('value'), { maxLength: 4 }),
          fc.dictionary(fc.oneof(text, fc.constantFrom('0', '1', '__proto__')), tie('value'), { maxKeys: 4 }),
        ),
      })).value;
      return fc.tuple(fc.dictionary(text, json), fc.constant(texts));
    });
    let splicedCount = 0;
    fc.assert(
      fc.property(bodyAndTexts, ([body, texts]) => {
        const before = JSON.stringify(body);
        const sent = serialiseBody(body, createLiterals(texts));
        if (Buffer.isBuffer(sent)) splicedCount += 1;
        return JSON.stringify(JSON.parse(String(sent))) === before && JSON.stringify(body) === before;
      }),
      { numRuns: 1_000 },
    );
    // Most bodies hold a literal's text somewhere, so most runs splice.
    expect(splicedCount).toBeGreaterThan(300);
  });
});
