import { isUtf8 } from 'node:buffer';
import type { TextLiterals } from '../../spec/index.js';
import { findTextLiterals } from './find-text-literals.js';
import { createTextLiterals } from './text-literals.js';

/** Bodies smaller than this are not scanned: their texts cost little to serialise again. */
export const literalBodyBytesMin = 16 * 1024;
/** Literals shorter than this are not kept. */
export const literalBytesMin = 1024;

/**
 * The long string literals of a client's body, by the text each spells (ADR 2026-11-30-hot-path-costs): any outbound
 * builder may send these bytes in place of serialising that text again, wherever the text lands in its body.
 * Undefined when there are none, the body is short, or it is not valid UTF-8 (its decoded text then holds U+FFFD
 * where its bytes do not, so its bytes must not be sent on). `parsed` is what `JSON.parse` returned for `bytes`.
 */
export function readTextLiterals(parsed: unknown, bytes: Buffer | undefined): TextLiterals | undefined {
  if (bytes === undefined || bytes.length < literalBodyBytesMin || !isUtf8(bytes)) return undefined;
  const found = findTextLiterals(bytes, parsed, literalBytesMin);
  return found === undefined ? undefined : createTextLiterals(found);
}
