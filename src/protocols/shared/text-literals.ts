import type { TextLiteral, TextLiterals } from '../../spec/index.js';

/** Literals found in a body, indexed by the length of their text. */
export function createTextLiterals(found: readonly TextLiteral[]): TextLiterals {
  const byLength = new Map<number, TextLiteral[]>();
  let textLengthMin = Number.POSITIVE_INFINITY;
  for (const literal of found) {
    const length = literal.text.length;
    textLengthMin = Math.min(textLengthMin, length);
    const same = byLength.get(length);
    if (same === undefined) byLength.set(length, [literal]);
    else same.push(literal);
  }
  return { byLength, textLengthMin };
}

/** The literal a client wrote for exactly this string, if it sent one. */
export function findLiteralBytes(literals: TextLiterals, text: string): Buffer | undefined {
  if (text.length < literals.textLengthMin) return undefined;
  const candidates = literals.byLength.get(text.length);
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) if (candidate.text === text) return candidate.bytes;
  return undefined;
}
