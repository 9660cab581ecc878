import type { Usage } from '../../../spec/index.js';
import { asObject, readTokenCount } from '../../shared/field-readers.js';

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
  const total = readTokenCount(usage['prompt_tokens']);
  const cacheRead =
    readTokenCount(promptDetails?.['cached_tokens']) ??
    readTokenCount(usage['prompt_cache_hit_tokens']) ??
    readTokenCount(usage['cached_tokens']);
  const cacheWrite =
    readTokenCount(promptDetails?.['cache_write_tokens']) ??
    readTokenCount(promptDetails?.['cache_creation_input_tokens']) ??
    readTokenCount(usage['cache_creation_input_tokens']);
  const { outputTotal, reasoning } = readOutput(
    total,
    readTokenCount(usage['completion_tokens']),
    readTokenCount(completionDetails?.['reasoning_tokens']),
    readTokenCount(usage['total_tokens']),
  );
  return {
    inputTokens: {
      total,
      noCache: readTokenCount(usage['prompt_cache_miss_tokens']) ?? derive(total, cacheRead, cacheWrite),
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

/**
 * The output total and its reasoning part. OpenAI's `completion_tokens` includes the reasoning tokens; Gemini's
 * OpenAI-compatible endpoint leaves its thinking tokens out of `completion_tokens` and counts them only in
 * `total_tokens`. When the provider's own total exceeds prompt + completion by a gap that is the reported reasoning
 * count (or no reasoning count is reported), that gap is output the provider generated: it is added to the output and
 * is its reasoning part. Any other mismatch is left as reported (never guessed).
 */
function readOutput(
  prompt: number | undefined,
  completion: number | undefined,
  reasoning: number | undefined,
  total: number | undefined,
): { readonly outputTotal: number | undefined; readonly reasoning: number | undefined } {
  if (prompt === undefined || completion === undefined || total === undefined) {
    return { outputTotal: completion, reasoning };
  }
  const gap = total - prompt - completion;
  const isReasoningLeftOut = gap > 0 && (reasoning === undefined || reasoning === gap);
  return isReasoningLeftOut
    ? { outputTotal: completion + gap, reasoning: gap }
    : { outputTotal: completion, reasoning };
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
