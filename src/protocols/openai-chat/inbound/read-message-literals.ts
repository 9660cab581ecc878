import { isUtf8 } from 'node:buffer';
import type { MessageTextLiteral } from '../../../spec/index.js';
import { findContentLiterals } from './find-content-literals.js';

/** Bodies smaller than this are not scanned: their texts cost little to serialise again. */
export const literalBodyBytesMin = 16 * 1024;
/** Literals shorter than this are not kept. */
export const literalBytesMin = 1024;

/**
 * The literals of the messages whose `content` the client sent as one long string, by message index; undefined when
 * there are none, the body is short, or it is not valid UTF-8 (its decoded text then holds U+FFFD where its bytes do
 * not, so its bytes must not be sent on).
 */
export function readMessageTextLiterals(
  messages: unknown,
  bytes: Buffer | undefined,
): readonly (MessageTextLiteral | undefined)[] | undefined {
  if (bytes === undefined || bytes.length < literalBodyBytesMin || !Array.isArray(messages)) return undefined;
  if (!isUtf8(bytes)) return undefined;
  const spans = findContentLiterals(bytes);
  if (spans === undefined || spans.length !== messages.length) return undefined;
  let isAnyFound = false;
  const literals = spans.map((span, index): MessageTextLiteral | undefined => {
    const content: unknown = (messages[index] as Record<string, unknown> | null)?.['content'];
    if (span === undefined || typeof content !== 'string' || span.end - span.start < literalBytesMin) return undefined;
    isAnyFound = true;
    return { text: content, bytes: bytes.subarray(span.start, span.end) };
  });
  return isAnyFound ? literals : undefined;
}
