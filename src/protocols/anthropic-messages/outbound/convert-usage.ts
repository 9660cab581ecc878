import type { Usage } from '../../../spec/index.js';
import { isObject } from '../../shared/field-readers.js';

/** Token counts above this are impossible for one call and treated as unknown (INV-7). */
const tokensPlausibleMax = 100_000_000;

/** A non-negative integer count, or undefined for anything else (null, negative, fractional, absurd, missing). */
function readCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= tokensPlausibleMax
    ? value
    : undefined;
}

/**
 * Anthropic `usage` → canonical Usage. Anthropic's `input_tokens` EXCLUDES cache
 * reads and writes, so it is the uncached count and the prompt total is the sum of
 * the three. Once `input_tokens` is known, an absent cache field adds 0 to the total
 * (the provider reported the prompt without a cache split) but stays `undefined`
 * in its own slot. Anthropic does not split output into text and reasoning.
 *
 * The Anthropic-compatible endpoints (Kimi, GLM, DeepSeek, MiniMax) use the same
 * field names; their differences are in *when* the counts arrive (see read-stream.ts),
 * and in sending `null` for counts they do not track, which reads as unknown here.
 */
export function convertUsage(wire: unknown): Usage | undefined {
  if (!isObject(wire)) return undefined;
  const noCache = readCount(wire['input_tokens']);
  const cacheRead = readCount(wire['cache_read_input_tokens']);
  const cacheWrite = readCount(wire['cache_creation_input_tokens']);
  return {
    inputTokens: {
      total: noCache === undefined ? undefined : noCache + (cacheRead ?? 0) + (cacheWrite ?? 0),
      noCache,
      cacheRead,
      cacheWrite,
    },
    outputTokens: { total: readCount(wire['output_tokens']), text: undefined, reasoning: undefined },
    isEstimated: false,
    raw: wire,
  };
}
