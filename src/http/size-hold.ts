import type { PriceTable } from '../catalog/catalog-types.js';
import { resolvePrices } from '../catalog/index.js';
import { limits } from '../config/index.js';
import { computeCost } from '../metering/index.js';
import type { RoutePlan } from '../routing/index.js';

/**
 * Local tokenizers differ from providers' (o200k vs others): the prompt is sized with
 * this much headroom so a hold covers what the provider will report. Settlement never
 * charges above the hold anyway (INV-2); the headroom only keeps that cap from biting.
 */
const promptHeadroomPercent = 20;
const promptHeadroomTokens = 16;
/** Output assumed when neither the request nor the endpoint bounds it. */
const defaultOutputTokens = 32_768;

/** The dearest price of every kind across the plan's attempts: a hold must cover whichever endpoint serves. */
export function dearestPrices(plan: RoutePlan, atMs: number): PriceTable {
  const tables = plan.attempts.map((attempt) => resolvePrices(attempt.endpoint, atMs));
  const dearest = (price: (table: PriceTable) => bigint): bigint =>
    tables.reduce((max, table) => (price(table) > max ? price(table) : max), 0n);
  return {
    promptNanosPerMillion: dearest((table) => table.promptNanosPerMillion),
    completionNanosPerMillion: dearest((table) => table.completionNanosPerMillion),
    // The prompt is sized as a cache write at the dearest write price (never cheaper than the prompt price): a hold
    // covers any of them.
    cacheReadNanosPerMillion: undefined,
    cacheWriteNanosPerMillion: dearest((table) => {
      const write = table.cacheWriteNanosPerMillion ?? table.promptNanosPerMillion;
      const write1h = table.cacheWrite1hNanosPerMillion ?? write;
      return [write, write1h].reduce((max, price) => (price > max ? price : max), table.promptNanosPerMillion);
    }),
    reasoningNanosPerMillion: dearest((table) => table.reasoningNanosPerMillion ?? table.completionNanosPerMillion),
    published: { prompt: '', completion: '' },
  };
}

export interface HoldSizing {
  readonly promptTokens: number;
  /** The output of one choice at most (`max_tokens` applies to each of the request's `n` choices). */
  readonly outputTokensMax: number;
  /** The request's `n`: each choice may produce `outputTokensMax` (1 when absent). */
  readonly choiceCount: number;
  readonly prices: PriceTable;
  readonly markupBasisPoints: number;
}

/** The prompt tokens a hold is sized for, and the output the request may produce at most. */
export function sizeTokens(plan: RoutePlan, promptEstimate: number, maxOutputTokens: number | undefined) {
  const promptTokens = Math.ceil((promptEstimate * (100 + promptHeadroomPercent)) / 100) + promptHeadroomTokens;
  const endpoint = plan.attempts[0]?.endpoint;
  const endpointCap =
    endpoint?.maxOutputTokens ??
    (endpoint !== undefined && endpoint.contextLength > promptTokens
      ? endpoint.contextLength - promptTokens
      : undefined);
  const outputTokensMax = Math.min(maxOutputTokens ?? endpointCap ?? defaultOutputTokens, limits.maxOutputTokensMax);
  return { promptTokens, outputTokensMax: Math.max(1, outputTokensMax) };
}

/**
 * What `promptTokens` of prompt and `outputTokens` of output in each of the `choiceCount` choices cost at the sizing
 * prices, with the org's markup.
 */
export function holdCost(sizing: HoldSizing, outputTokensPerChoice: number): bigint {
  const outputTokens = outputTokensPerChoice * sizing.choiceCount;
  // Output is priced at the dearer of completion and reasoning: the split is unknown in advance.
  const reasoningPrice = sizing.prices.reasoningNanosPerMillion ?? sizing.prices.completionNanosPerMillion;
  const outputIsReasoning = reasoningPrice > sizing.prices.completionNanosPerMillion;
  return computeCost({
    counts: {
      promptUncached: 0,
      cacheRead: 0,
      cacheWrite: sizing.promptTokens,
      outputText: outputIsReasoning ? 0 : outputTokens,
      reasoning: outputIsReasoning ? outputTokens : 0,
    },
    prices: sizing.prices,
    markupBasisPoints: sizing.markupBasisPoints,
  }).costNanos;
}

/** The most output tokens per choice a hold of `holdNanos` pays for (binary search: cost grows with output). */
export function affordableOutputTokens(sizing: HoldSizing, holdNanos: bigint): number {
  let low = 0;
  let high = sizing.outputTokensMax;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (holdCost(sizing, middle) <= holdNanos) low = middle;
    else high = middle - 1;
  }
  return low;
}
