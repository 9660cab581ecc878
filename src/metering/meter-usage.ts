import type { PriceTable } from '../catalog/catalog-types.js';
import type { BilledUsage, ChatRequest, Usage } from '../spec/index.js';
import { computeCost } from './compute-cost.js';
import { countTextTokens, estimatePromptTokens } from './count-tokens.js';

/** Counts above this for one call are impossible and treated as unknown (INV-7). */
const tokensPlausibleMax = 100_000_000;

function plausible(count: number | undefined): number | undefined {
  return count !== undefined && Number.isInteger(count) && count >= 0 && count <= tokensPlausibleMax
    ? count
    : undefined;
}

export interface MeterInput {
  /** Provider-reported usage; undefined when the provider reported none. */
  readonly usage: Usage | undefined;
  readonly request: ChatRequest;
  /** What reached the client, to estimate output when the provider was silent. */
  readonly deliveredText: { readonly text: string; readonly reasoning: string; readonly toolArguments: string };
  readonly prices: PriceTable;
  readonly markupBasisPoints: number;
}

/**
 * Turns provider usage into billable counts and money. Provider counts win; a
 * missing prompt or completion total is counted locally and the result flagged
 * `isEstimated`. Derived counts are clamped at zero (in the customer's favour).
 */
export function meterUsage(input: MeterInput): BilledUsage {
  const usage = input.usage;
  const reportedPrompt = plausible(usage?.inputTokens.total);
  const reportedCompletion = plausible(usage?.outputTokens.total);
  const promptTokens = reportedPrompt ?? estimatePromptTokens(input.request);
  const completionTokens =
    reportedCompletion ??
    countTextTokens(input.deliveredText.text) +
      countTextTokens(input.deliveredText.reasoning) +
      countTextTokens(input.deliveredText.toolArguments);
  const cachedTokens = Math.min(plausible(usage?.inputTokens.cacheRead) ?? 0, promptTokens);
  const cacheWriteTokens = Math.min(plausible(usage?.inputTokens.cacheWrite) ?? 0, promptTokens - cachedTokens);
  const reasoningTokens =
    reportedCompletion === undefined
      ? countTextTokens(input.deliveredText.reasoning)
      : Math.min(plausible(usage?.outputTokens.reasoning) ?? 0, completionTokens);
  const { upstreamCostNanos, costNanos } = computeCost({
    counts: {
      promptUncached: promptTokens - cachedTokens - cacheWriteTokens,
      cacheRead: cachedTokens,
      cacheWrite: cacheWriteTokens,
      outputText: Math.max(0, completionTokens - reasoningTokens),
      reasoning: Math.min(reasoningTokens, completionTokens),
    },
    prices: input.prices,
    markupBasisPoints: input.markupBasisPoints,
  });
  return {
    usage: usage ?? emptyUsage(),
    promptTokens,
    completionTokens,
    cachedTokens,
    cacheWriteTokens,
    reasoningTokens: Math.min(reasoningTokens, completionTokens),
    costNanos,
    upstreamCostNanos,
    isEstimated: reportedPrompt === undefined || reportedCompletion === undefined,
  };
}

function emptyUsage(): Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    isEstimated: true,
  };
}
