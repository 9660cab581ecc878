import { randomBytes } from 'node:crypto';
import type { MessageTextLiteral } from '../../../spec/index.js';

/**
 * What marks a spliced text in the serialised body: NUL, which JSON.stringify always escapes, and a tag drawn once
 * per process, which no client can know, so no text a client sends is taken for one. A count of the marks found
 * against the texts replaced guards even against that.
 */
const mark = `\u0000${randomBytes(12).toString('hex')}:`;
const markInJson = JSON.stringify(mark).slice(0, -1);
/** What a request without literals uses: no list is made for it. */
const noLiterals: readonly Buffer[] = [];

/**
 * Puts a mark in place of each wire message `content` that is still exactly the text the client sent as a long
 * literal, and returns those literals in order (an empty list: nothing to splice).
 */
export function markLiteralContents(
  wireMessages: readonly Record<string, unknown>[],
  literals: readonly (MessageTextLiteral | undefined)[] | undefined,
): readonly Buffer[] {
  if (literals === undefined) return noLiterals;
  const used: Buffer[] = [];
  for (const [index, wire] of wireMessages.entries()) {
    const literal = literals[index];
    // Usually the very string the client's body was parsed into: the comparison then costs nothing.
    if (literal === undefined || wire['content'] !== literal.text) continue;
    wire['content'] = `${mark}${used.length}`;
    used.push(literal.bytes);
  }
  return used;
}

/**
 * The serialised body as UTF-8 bytes with each mark replaced by its literal, the client's own spelling of the same
 * string; undefined when the marks found are not exactly the literals used, in order.
 */
export function spliceLiterals(json: string, used: readonly Buffer[]): Buffer | undefined {
  const parts: Buffer[] = [];
  let from = 0;
  for (const [index, literal] of used.entries()) {
    const at = json.indexOf(markInJson, from);
    const tail = `${index}"`;
    if (at === -1 || json.slice(at + markInJson.length, at + markInJson.length + tail.length) !== tail)
      return undefined;
    parts.push(Buffer.from(json.slice(from, at)), literal);
    from = at + markInJson.length + tail.length;
  }
  if (json.indexOf(markInJson, from) !== -1) return undefined;
  parts.push(Buffer.from(json.slice(from)));
  return Buffer.concat(parts);
}
