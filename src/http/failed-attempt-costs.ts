import { resolvePrices } from '../catalog/index.js';
import { meterUsage } from '../metering/index.js';
import type { Usage } from '../spec/index.js';
import type { RoutedCall } from './handle-model-call.js';
import { findUsageBounds } from './settle-generation.js';

const nothingDelivered = { text: '', reasoning: '', toolArguments: '' };

/**
 * Keeps the upstream cost of an attempt that fails before anything reached the client although its provider reported
 * usage (a stream that sent its usage, then an error; a JSON answer with usage but no choice). The call fails over
 * or fails, the customer is charged nothing for that attempt (PRODUCT.md §4), but the provider bills it: the cost is
 * posted to the operator's books with the call's settlement, once per attempt (INV-3, INV-4), and counted in the
 * generation record's upstream cost. Usage is taken as reported, clamped to what the attempt could use (INV-7).
 */
export function keepFailedAttemptCost(routed: RoutedCall, usage: Usage | undefined): void {
  if (usage === undefined) return;
  const metered = meterUsage({
    bounds: findUsageBounds(routed),
    usage,
    request: routed.request,
    deliveredText: nothingDelivered,
    prices: resolvePrices(routed.endpoint, routed.call.startedAtMs),
    markupBasisPoints: routed.money.markupBasisPoints,
  });
  if (metered.upstreamCostNanos === 0n) return;
  const attemptId = `${routed.generationId}:${routed.attemptNumber}`;
  if (routed.failedAttemptCosts.some((cost) => cost.attemptId === attemptId)) return;
  routed.failedAttemptCosts.push({
    attemptId,
    providerId: routed.endpoint.provider.id,
    amount: metered.upstreamCostNanos,
  });
}
