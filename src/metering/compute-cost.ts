import { strict as assert } from 'node:assert';
import type { PriceTable } from '../catalog/catalog-types.js';

/** Billable token counts by kind; every count known (estimated upstream of here if needed). */
export interface BillableCounts {
  /** Prompt tokens billed at the full prompt price. */
  readonly promptUncached: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** The part of `cacheWrite` written with a 1-hour lifetime, at its own price (0 when not split). */
  readonly cacheWrite1h?: number;
  /** Completion tokens that are not reasoning. */
  readonly outputText: number;
  readonly reasoning: number;
}

/** Prices are per this many tokens. */
const tokensPerPriceUnit = 1_000_000n;
const basisPointsPerUnit = 10_000n;
/** A markup can at most give everything away (−100 %). */
export const markupBasisPointsMin = -10_000;
/** A markup above 100× is a configuration mistake, not a price. */
export const markupBasisPointsMax = 1_000_000;

/**
 * Cost of one call in integer nano-units (1e-9 USD), for the operator (upstream
 * cost) and for the customer (cost with the org's markup).
 *
 * Rounding rule (docs/adr/2026-11-22-money-as-integer-nano-units.md): Σ tokens ×
 * price over every kind is summed exactly in bigint, in nano·tokens per million;
 * the customer's markup multiplies that exact sum; then ONE division by 1 000 000
 * (× 10 000 for the basis points) rounds DOWN. Floor, because the customer must
 * never pay more than the price list says; the loss is under one nano-unit per
 * call. Rounding once per amount (not per kind, not before the markup) keeps
 * the rounding error at one unit and makes the result independent of the order
 * in which kinds are added.
 *
 * Cache reads and writes fall back to the prompt price, 1-hour cache writes to the
 * cache-write price, reasoning to the completion price, when the endpoint does not
 * price them separately.
 */
export function computeCost(input: {
  readonly counts: BillableCounts;
  readonly prices: PriceTable;
  readonly markupBasisPoints: number;
}): { readonly upstreamCostNanos: bigint; readonly costNanos: bigint } {
  const { counts, prices, markupBasisPoints } = input;
  const isMarkupValid =
    Number.isInteger(markupBasisPoints) &&
    markupBasisPoints >= markupBasisPointsMin &&
    markupBasisPoints <= markupBasisPointsMax;
  if (!isMarkupValid)
    assert.fail(`markupBasisPoints must be an integer in [${markupBasisPointsMin}, ${markupBasisPointsMax}]`);
  for (const [kind, count] of Object.entries(counts)) {
    if (!Number.isSafeInteger(count) || count < 0) assert.fail(`token count ${kind} must be a non-negative integer`);
  }
  const pricesNanosPerMillion = [
    prices.promptNanosPerMillion,
    prices.completionNanosPerMillion,
    prices.cacheReadNanosPerMillion ?? 0n,
    prices.cacheWriteNanosPerMillion ?? 0n,
    prices.cacheWrite1hNanosPerMillion ?? 0n,
    prices.reasoningNanosPerMillion ?? 0n,
  ];
  const cacheWrite1h = counts.cacheWrite1h ?? 0;
  assert.ok(cacheWrite1h <= counts.cacheWrite, 'the 1-hour cache writes are part of the cache writes');
  const cacheWritePrice = prices.cacheWriteNanosPerMillion ?? prices.promptNanosPerMillion;
  for (const price of pricesNanosPerMillion) assert.ok(price >= 0n, 'prices are non-negative');

  const nanoTokensPerMillion =
    BigInt(counts.promptUncached) * prices.promptNanosPerMillion +
    BigInt(counts.cacheRead) * (prices.cacheReadNanosPerMillion ?? prices.promptNanosPerMillion) +
    BigInt(counts.cacheWrite - cacheWrite1h) * cacheWritePrice +
    BigInt(cacheWrite1h) * (prices.cacheWrite1hNanosPerMillion ?? cacheWritePrice) +
    BigInt(counts.outputText) * prices.completionNanosPerMillion +
    BigInt(counts.reasoning) * (prices.reasoningNanosPerMillion ?? prices.completionNanosPerMillion);
  // bigint division truncates toward zero, which is floor for the non-negative values asserted above.
  const upstreamCostNanos = nanoTokensPerMillion / tokensPerPriceUnit;
  const costNanos =
    (nanoTokensPerMillion * (basisPointsPerUnit + BigInt(markupBasisPoints))) /
    (basisPointsPerUnit * tokensPerPriceUnit);
  assert.ok(upstreamCostNanos >= 0n && costNanos >= 0n, 'costs are non-negative');
  return { upstreamCostNanos, costNanos };
}
