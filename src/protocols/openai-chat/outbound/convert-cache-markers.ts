import type { CacheControl, TextPart } from '../../../spec/index.js';

/**
 * Prompt-cache markers for an OpenAI-compatible vendor that takes them on content parts (catalog
 * `openai.cache_control`; DashScope's explicit cache). Only the type is sent: DashScope's explicit cache lives 5
 * minutes and has no `ttl`.
 */
export function wireCacheControl(cacheControl: CacheControl | undefined): Record<string, unknown> {
  return cacheControl === undefined ? {} : { cache_control: { type: cacheControl.type } };
}

/** Whether any of the parts carries a marker. */
export function hasCacheMarker(parts: readonly object[]): boolean {
  return parts.some((part) => 'cacheControl' in part && part.cacheControl !== undefined);
}

/**
 * Text blocks as text content parts, each with its own marker, `trailing` (a marker on the whole message: an
 * Anthropic `tool_result`'s) on the last one. A marker needs a part to sit on, so the blocks are not joined.
 */
export function convertMarkedText(parts: readonly TextPart[], trailing?: CacheControl): Record<string, unknown>[] {
  const wire = parts.map((part) => ({ type: 'text', text: part.text, ...wireCacheControl(part.cacheControl) }));
  const last = wire.at(-1);
  if (last !== undefined && trailing !== undefined) Object.assign(last, wireCacheControl(trailing));
  return wire;
}
