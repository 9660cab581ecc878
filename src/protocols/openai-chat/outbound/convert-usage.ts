import type { Usage } from '../../../spec/index.js';

/** Token counts above this are impossible for one call and treated as unknown (INV-7). */
const tokensPlausibleMax = 100_000_000;

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A non-negative integer count, or undefined for anything else (negative, fractional, absurd, missing). */
function readCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= tokensPlausibleMax
    ? value
    : undefined;
}

/**
 * OpenAI-compatible `usage` → canonical Usage. Reads every known spelling:
 * OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens` /
 * `prompt_cache_miss_tokens`, Moonshot's top-level `cached_tokens`, cache writes as
 * `cache_write_tokens` or `cache_creation_input_tokens`. Unknown stays undefined.
 */
export function convertUsage(wire: unknown): Usage | undefined {
  const usage = asObject(wire);
  if (usage === undefined) return undefined;
  const promptDetails = asObject(usage['prompt_tokens_details']);
  const completionDetails = asObject(usage['completion_tokens_details']);
  const total = readCount(usage['prompt_tokens']);
  const cacheRead =
    readCount(promptDetails?.['cached_tokens']) ??
    readCount(usage['prompt_cache_hit_tokens']) ??
    readCount(usage['cached_tokens']);
  const cacheWrite =
    readCount(promptDetails?.['cache_write_tokens']) ?? readCount(usage['cache_creation_input_tokens']);
  const outputTotal = readCount(usage['completion_tokens']);
  const reasoning = readCount(completionDetails?.['reasoning_tokens']);
  return {
    inputTokens: {
      total,
      noCache: readCount(usage['prompt_cache_miss_tokens']) ?? derive(total, cacheRead, cacheWrite),
      cacheRead,
      cacheWrite,
    },
    outputTokens: {
      total: outputTotal,
      text:
        outputTotal !== undefined && reasoning !== undefined && reasoning <= outputTotal
          ? outputTotal - reasoning
          : undefined,
      reasoning,
    },
    isEstimated: false,
    raw: wire,
  };
}

/** Uncached prompt tokens when the cache-read count is known (cache writes, if reported, are not "uncached"). */
function derive(
  total: number | undefined,
  cacheRead: number | undefined,
  cacheWrite: number | undefined,
): number | undefined {
  if (total === undefined || cacheRead === undefined) return undefined;
  const rest = total - cacheRead - (cacheWrite ?? 0);
  return rest >= 0 ? rest : undefined;
}
