import type { Usage } from '../../../spec/index.js';
import { asObject, isObject, readTokenCount } from '../../shared/field-readers.js';

/**
 * Anthropic `usage` → canonical Usage. Anthropic's `input_tokens` EXCLUDES cache
 * reads and writes, so it is the uncached count and the prompt total is the sum of
 * the three. Once `input_tokens` is known, an absent cache field adds 0 to the total
 * (the provider reported the prompt without a cache split) but stays `undefined`
 * in its own slot. Anthropic does not split output into text and reasoning. The
 * cache writes with a 1-hour lifetime (`cache_creation.ephemeral_1h_input_tokens`,
 * a part of `cache_creation_input_tokens`) are priced apart, so they are kept too.
 *
 * The Anthropic-compatible endpoints (Kimi, GLM, DeepSeek, MiniMax) use the same
 * field names; their differences are in *when* the counts arrive (see read-stream.ts),
 * and in sending `null` for counts they do not track, which reads as unknown here.
 */
export function convertUsage(wire: unknown): Usage | undefined {
  if (!isObject(wire)) return undefined;
  const noCache = readTokenCount(wire['input_tokens']);
  const cacheRead = readTokenCount(wire['cache_read_input_tokens']);
  const cacheWrite = readTokenCount(wire['cache_creation_input_tokens']);
  const cacheWrite1h = readTokenCount(asObject(wire['cache_creation'])?.['ephemeral_1h_input_tokens']);
  return {
    inputTokens: {
      total: noCache === undefined ? undefined : noCache + (cacheRead ?? 0) + (cacheWrite ?? 0),
      noCache,
      cacheRead,
      cacheWrite,
      ...(cacheWrite1h === undefined ? {} : { cacheWrite1h }),
    },
    outputTokens: { total: readTokenCount(wire['output_tokens']), text: undefined, reasoning: undefined },
    isEstimated: false,
    raw: wire,
  };
}
