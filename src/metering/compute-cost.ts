import { strict as assert } from 'node:assert';
import type { PriceTable } from '../catalog/catalog-types.js';

/** Billable token counts by kind; every count known (estimated upstream of here if needed). */
export interface BillableCounts {
  readonly promptUncached: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly outputText: number;
  readonly reasoning: number;
}

const tokensPerPriceUnit = 1_000_000n;
const basisPointsPerUnit = 10_000n;

/**
 * Cost of one call in integer nano-units. Σ tokens × price (nano-units per 1M) is
 * exact in bigint; the markup multiplies that sum; then ONE division by 1M rounds
 * DOWN, so the customer never pays more than the price list (docs/adr money ADR).
 * Cache tokens fall back to the prompt price and reasoning to the completion price
 * when the endpoint does not price them separately.
 */
export function computeCost(input: {
  readonly counts: BillableCounts;
  readonly prices: PriceTable;
  readonly markupBasisPoints: number;
}): { readonly upstreamCostNanos: bigint; readonly costNanos: bigint } {
  const { counts, prices, markupBasisPoints } = input;
  assert.ok(Number.isInteger(markupBasisPoints) && markupBasisPoints >= -10_000 && markupBasisPoints <= 1_000_000);
  for (const count of Object.values(counts))
    assert.ok(Number.isInteger(count) && count >= 0, 'token counts are non-negative integers');
  const scaledSum =
    BigInt(counts.promptUncached) * prices.promptNanosPerMillion +
    BigInt(counts.cacheRead) * (prices.cacheReadNanosPerMillion ?? prices.promptNanosPerMillion) +
    BigInt(counts.cacheWrite) * (prices.cacheWriteNanosPerMillion ?? prices.promptNanosPerMillion) +
    BigInt(counts.outputText) * prices.completionNanosPerMillion +
    BigInt(counts.reasoning) * (prices.reasoningNanosPerMillion ?? prices.completionNanosPerMillion);
  const upstreamCostNanos = scaledSum / tokensPerPriceUnit;
  const costNanos =
    (scaledSum * (basisPointsPerUnit + BigInt(markupBasisPoints))) / (basisPointsPerUnit * tokensPerPriceUnit);
  assert.ok(upstreamCostNanos >= 0n && costNanos >= 0n);
  return { upstreamCostNanos, costNanos };
}
