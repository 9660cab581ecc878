import type { PriceTable } from '../catalog/catalog-types.js';
import type { BilledUsage, ChatRequest, Usage } from '../spec/index.js';
import { createUnknownUsage } from '../spec/index.js';
import { computeCost } from './compute-cost.js';
import { countTextTokens, estimatePromptTokens } from './count-tokens.js';

/** A count above this for one call is impossible and treated as unknown (INV-7). */
export const tokensPerCallMax = 100_000_000;

export interface MeterInput {
  /** Provider-reported usage; undefined when the provider reported none. */
  readonly usage: Usage | undefined;
  readonly request: ChatRequest;
  /** What reached the client, to estimate the output when the provider was silent. */
  readonly deliveredText: { readonly text: string; readonly reasoning: string; readonly toolArguments: string };
  readonly prices: PriceTable;
  readonly markupBasisPoints: number;
  /** What the call could have used at most (INV-7); without them only the per-call bound applies. */
  readonly bounds?: UsageBounds;
}

/**
 * The most a call can really use: its prompt fits the endpoint's context window, its output the output limit it was
 * sent with (every provider's limit counts reasoning in), once per choice. A report above either is impossible.
 */
export interface UsageBounds {
  readonly promptTokensMax: number;
  readonly completionTokensMax: number;
}

/** Bounds a reported usage broke, and what it said. */
export interface ImpossibleUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

/**
 * Turns provider usage into billable counts and money.
 *
 * - Provider-reported counts win. Impossible ones (negative, fractional, not
 *   finite, above {@link tokensPerCallMax}) are treated as unknown (INV-7).
 * - A prompt above the context window ({@link UsageBounds}) is unknown too (the
 *   local estimate bills it); an output above the limit it was sent with is
 *   clamped to that limit. Both flag the result `isEstimated` (INV-7: clamped in
 *   the customer's favour; {@link findImpossibleUsage} names them for the alert).
 * - A missing total is taken from the provider's own parts when they add up to
 *   one (uncached + cache read + cache write; text + reasoning): that is still
 *   the provider's count.
 * - Otherwise a missing prompt total is estimated from the request
 *   ({@link estimatePromptTokens}) and a missing completion total is counted over
 *   the delivered text, reasoning and tool arguments; the result is then flagged
 *   `isEstimated`.
 * - 1-hour cache writes (a part of the cache writes, clamped to them) bill at
 *   their own price.
 * - Unknown cache reads, cache writes and reasoning bill as 0 (`usage` keeps them
 *   undefined). Cache counts are clamped to the prompt and reasoning to the
 *   completion, so the uncached prompt and the text output are never negative and
 *   no token is billed twice: every clamp is in the customer's favour.
 */
export function meterUsage(input: MeterInput): BilledUsage {
  const plausible = input.usage === undefined ? undefined : dropImpossibleCounts(input.usage);
  const usage = plausible === undefined || input.bounds === undefined ? plausible : boundUsage(plausible, input.bounds);
  const reportedPromptTokens = readPromptTotal(usage);
  const reportedCompletionTokens = readCompletionTotal(usage);
  const promptTokens = reportedPromptTokens ?? estimatePromptTokens(input.request);
  const completionTokens =
    reportedCompletionTokens ??
    countTextTokens(input.deliveredText.text) +
      countTextTokens(input.deliveredText.reasoning) +
      countTextTokens(input.deliveredText.toolArguments);

  const cachedTokens = Math.min(usage?.inputTokens.cacheRead ?? 0, promptTokens);
  const cacheWriteTokens = Math.min(usage?.inputTokens.cacheWrite ?? 0, promptTokens - cachedTokens);
  const cacheWrite1hTokens = Math.min(usage?.inputTokens.cacheWrite1h ?? 0, cacheWriteTokens);
  const reasoningTokensReported =
    usage?.outputTokens.reasoning ??
    (reportedCompletionTokens === undefined ? countTextTokens(input.deliveredText.reasoning) : 0);
  const reasoningTokens = Math.min(reasoningTokensReported, completionTokens);

  const { upstreamCostNanos, costNanos } = computeCost({
    counts: {
      promptUncached: promptTokens - cachedTokens - cacheWriteTokens,
      cacheRead: cachedTokens,
      cacheWrite: cacheWriteTokens,
      cacheWrite1h: cacheWrite1hTokens,
      outputText: completionTokens - reasoningTokens,
      reasoning: reasoningTokens,
    },
    prices: input.prices,
    markupBasisPoints: input.markupBasisPoints,
  });
  const isEstimated =
    reportedPromptTokens === undefined || reportedCompletionTokens === undefined || usage?.isEstimated === true;
  return {
    usage: { ...(usage ?? createUnknownUsage()), isEstimated },
    promptTokens,
    completionTokens,
    cachedTokens,
    cacheWriteTokens,
    reasoningTokens,
    costNanos,
    upstreamCostNanos,
    isEstimated,
  };
}

function readPromptTotal(usage: Usage | undefined): number | undefined {
  if (usage === undefined) return undefined;
  const { total, noCache, cacheRead, cacheWrite } = usage.inputTokens;
  if (total !== undefined) return total;
  return noCache === undefined ? undefined : readPlausibleCount(noCache + (cacheRead ?? 0) + (cacheWrite ?? 0));
}

function readCompletionTotal(usage: Usage | undefined): number | undefined {
  if (usage === undefined) return undefined;
  const { total, text, reasoning } = usage.outputTokens;
  if (total !== undefined) return total;
  return text === undefined ? undefined : readPlausibleCount(text + (reasoning ?? 0));
}

/** The counts of a reported usage above what the call could use, or undefined when it is possible. */
export function findImpossibleUsage(usage: Usage | undefined, bounds: UsageBounds): ImpossibleUsage | undefined {
  if (usage === undefined) return undefined;
  const plausible = dropImpossibleCounts(usage);
  const prompt = readPromptTotal(plausible);
  const completion = readCompletionTotal(plausible);
  const isPromptImpossible = prompt !== undefined && prompt > bounds.promptTokensMax;
  const isCompletionImpossible = completion !== undefined && completion > bounds.completionTokensMax;
  if (!isPromptImpossible && !isCompletionImpossible) return undefined;
  return {
    ...(isPromptImpossible ? { promptTokens: prompt } : {}),
    ...(isCompletionImpossible ? { completionTokens: completion } : {}),
  };
}

/** The usage within its bounds: an impossible prompt becomes unknown, an impossible output the limit. */
function boundUsage(usage: Usage, bounds: UsageBounds): Usage {
  const impossible = findImpossibleUsage(usage, bounds);
  if (impossible === undefined) return usage;
  const max = bounds.completionTokensMax;
  const reasoning = usage.outputTokens.reasoning;
  return {
    ...usage,
    inputTokens:
      impossible.promptTokens === undefined
        ? usage.inputTokens
        : { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens:
      impossible.completionTokens === undefined
        ? usage.outputTokens
        : { total: max, text: undefined, reasoning: reasoning === undefined ? undefined : Math.min(reasoning, max) },
    isEstimated: true,
  };
}

/** The usage with every impossible count replaced by undefined; `raw` keeps what the provider sent. */
function dropImpossibleCounts(usage: Usage): Usage {
  const { inputTokens, outputTokens } = usage;
  return {
    ...usage,
    inputTokens: {
      total: readPlausibleCount(inputTokens.total),
      noCache: readPlausibleCount(inputTokens.noCache),
      cacheRead: readPlausibleCount(inputTokens.cacheRead),
      cacheWrite: readPlausibleCount(inputTokens.cacheWrite),
      cacheWrite1h: readPlausibleCount(inputTokens.cacheWrite1h),
    },
    outputTokens: {
      total: readPlausibleCount(outputTokens.total),
      text: readPlausibleCount(outputTokens.text),
      reasoning: readPlausibleCount(outputTokens.reasoning),
    },
  };
}

function readPlausibleCount(count: number | undefined): number | undefined {
  return count !== undefined && Number.isInteger(count) && count >= 0 && count <= tokensPerCallMax ? count : undefined;
}
