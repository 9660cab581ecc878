import { renderNanos } from '../../../metering/index.js';
import type { BilledUsage, FinishReason } from '../../../spec/index.js';

/**
 * Anthropic's usage object (`input_tokens` counts only uncached prompt tokens) plus
 * OpenRouter's accounting fields (`cost`, `cost_details`), which SDKs ignore.
 */
export function renderUsage(billed: BilledUsage): Record<string, unknown> {
  return {
    ...unknownUsageDetails,
    cache_creation: renderCacheCreation(billed),
    input_tokens: Math.max(0, billed.promptTokens - billed.cachedTokens - billed.cacheWriteTokens),
    cache_creation_input_tokens: billed.cacheWriteTokens,
    cache_read_input_tokens: billed.cachedTokens,
    output_tokens: billed.completionTokens,
    cost: renderNanos(billed.costNanos),
    cost_details: { upstream_inference_cost: renderNanos(billed.upstreamCostNanos) },
  };
}

/**
 * The cache writes by lifetime, when the upstream split them (Anthropic's `cache_creation`); null when it did not, as
 * a split the gateway does not know cannot be made up.
 */
function renderCacheCreation(billed: BilledUsage): Record<string, number> | null {
  const oneHour = billed.usage.inputTokens.cacheWrite1h;
  if (oneHour === undefined) return null;
  const hour = Math.min(oneHour, billed.cacheWriteTokens);
  return { ephemeral_1h_input_tokens: hour, ephemeral_5m_input_tokens: billed.cacheWriteTokens - hour };
}

/** `message_start` usage: the prompt by the local tokenizer (the exact counts follow in `message_delta`). */
export function renderStartUsage(estimatedPromptTokens: number): Record<string, unknown> {
  return {
    ...unknownUsageDetails,
    input_tokens: estimatedPromptTokens,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    output_tokens: 0,
  };
}

/** Fields Anthropic's `Usage` type requires that the gateway cannot know across protocols: null, as the API allows. */
const unknownUsageDetails = {
  cache_creation: null,
  inference_geo: null,
  output_tokens_details: null,
  server_tool_use: null,
  service_tier: null,
  speed: null,
};

/** Fields Anthropic's `Message` type requires that have no meaning for a translated response. */
export const emptyMessageDetails = { container: null, diagnostics: null, stop_details: null };

const anthropicStopReasons = new Set([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

/**
 * Canonical finish reason → Anthropic `stop_reason`; an Anthropic upstream's own value is kept as sent. An answer that
 * is a refusal (an OpenAI-compatible upstream's `refusal`) and otherwise ended normally is Anthropic's `refusal`, which
 * clients check to tell a declined request from an answer.
 */
export function renderStopReason(reason: FinishReason | undefined, isRefusal = false): string {
  const isNormalEnd = reason === undefined || reason.unified === 'stop' || reason.unified === 'other';
  if (isRefusal && isNormalEnd) return 'refusal';
  if (reason === undefined) return 'end_turn';
  if (reason.raw !== undefined && anthropicStopReasons.has(reason.raw)) return reason.raw;
  switch (reason.unified) {
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'content-filter':
      return 'refusal';
    case 'stop':
    case 'error':
    case 'other':
      return 'end_turn';
    default: {
      const exhausted: never = reason.unified;
      return exhausted;
    }
  }
}
