import { randomBytes } from 'node:crypto';
import type { TextLiterals } from '../../spec/index.js';
import { textLiteralDepthMax } from './find-text-literals.js';
import { findLiteralBytes } from './text-literals.js';

/**
 * What marks a spliced text in the serialised body: NUL, which JSON.stringify always escapes, and a tag drawn once
 * per process, which no client can know, so no text a client sends is taken for one. A count of the marks found
 * against the texts replaced guards even against that.
 */
const mark = `\u0000${randomBytes(12).toString('hex')}:`;
const markInJson = JSON.stringify(mark).slice(0, -1);

/** A string of the body replaced by a mark while it is serialised, to be put back. */
interface Replaced {
  readonly container: Record<string, unknown>;
  readonly key: string;
  readonly text: string;
}

/**
 * An upstream body as JSON: where it holds a string the client sent as a long literal (`literals`), the client's own
 * bytes for it are copied in, not the string serialised and encoded again (ADR 2026-11-30-hot-path-costs). A string
 * in bytes, then. The body is left as it was: the strings marked while serialising it are put back.
 */
export function serialiseBody(body: Record<string, unknown>, literals: TextLiterals | undefined): string | Buffer {
  if (literals === undefined) return JSON.stringify(body);
  const replaced: Replaced[] = [];
  const used: Buffer[] = [];
  let json: string;
  try {
    markLiterals(body, literals, { replaced, used }, 0);
    json = JSON.stringify(body);
  } finally {
    for (const { container, key, text } of replaced) container[key] = text;
  }
  if (used.length === 0) return json;
  return spliceLiterals(json, used) ?? JSON.stringify(body);
}

/** Replaces each string of `value` that is a literal's text, in place, by a mark that numbers its literal. */
function markLiterals(
  value: object,
  literals: TextLiterals,
  marks: { readonly replaced: Replaced[]; readonly used: Buffer[] },
  depth: number,
): void {
  if (depth >= textLiteralDepthMax) return;
  const container = value as Record<string, unknown>;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    const item = container[key];
    if (typeof item === 'object' && item !== null) {
      markLiterals(item, literals, marks, depth + 1);
    } else if (typeof item === 'string') {
      const bytes = findLiteralBytes(literals, item);
      // A value that cannot be written (a frozen object's) is serialised as it is.
      if (bytes === undefined || !Reflect.set(container, key, `${mark}${marks.used.length}`)) continue;
      marks.replaced.push({ container, key: String(key), text: item });
      marks.used.push(bytes);
    }
  }
}

/**
 * The serialised body as UTF-8 bytes with each mark replaced by the literal it numbers, the client's own spelling of
 * the same string; undefined unless each literal's mark is found exactly once.
 */
function spliceLiterals(json: string, used: readonly Buffer[]): Buffer | undefined {
  const parts: Buffer[] = [];
  const isFound = new Array<boolean>(used.length).fill(false);
  let from = 0;
  for (let at = json.indexOf(markInJson); at !== -1; at = json.indexOf(markInJson, from)) {
    const numberEnd = json.indexOf('"', at + markInJson.length);
    const digits = json.slice(at + markInJson.length, numberEnd);
    const index = /^[0-9]+$/.test(digits) ? Number(digits) : -1;
    const literal = used[index];
    if (literal === undefined || isFound[index] === true) return undefined;
    isFound[index] = true;
    parts.push(Buffer.from(json.slice(from, at)), literal);
    from = numberEnd + 1;
  }
  if (isFound.includes(false)) return undefined;
  parts.push(Buffer.from(json.slice(from)));
  return Buffer.concat(parts);
}
