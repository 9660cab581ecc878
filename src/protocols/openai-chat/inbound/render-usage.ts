import { renderNanos } from '../../../metering/index.js';
import type { BilledUsage, FinishReason } from '../../../spec/index.js';

/** OpenAI's usage object plus OpenRouter's accounting fields (`cost`, `is_byok`, `cost_details`). */
export function renderUsage(billed: BilledUsage): Record<string, unknown> {
  const promptDetails: Record<string, number> = { cached_tokens: billed.cachedTokens };
  if (billed.cacheWriteTokens > 0) promptDetails['cache_write_tokens'] = billed.cacheWriteTokens;
  return {
    prompt_tokens: billed.promptTokens,
    completion_tokens: billed.completionTokens,
    total_tokens: billed.promptTokens + billed.completionTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: billed.reasoningTokens },
    cost: renderNanos(billed.costNanos),
    is_byok: false,
    cost_details: { upstream_inference_cost: renderNanos(billed.upstreamCostNanos) },
  };
}

/** Canonical finish reason → OpenAI's; `error` is OpenRouter's extension, `other` becomes `stop`. */
export function renderFinishReason(reason: FinishReason | undefined): string | null {
  if (reason === undefined) return null;
  switch (reason.unified) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
      return 'content_filter';
    case 'error':
      return 'error';
    case 'other':
      return 'stop';
    default: {
      const exhausted: never = reason.unified;
      return exhausted;
    }
  }
}
