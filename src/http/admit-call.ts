import { GatewayError } from '../errors/index.js';
import { currentLimitWindowStartMs } from '../limits/index.js';
import { renderUsdText } from '../metering/index.js';
import type { RoutePlan } from '../routing/index.js';
import type { ChatRequest, Warning } from '../spec/index.js';
import type { KeyRecord } from '../storage/index.js';
import type { AppContext } from './app-context.js';
import { affordableOutputTokens, dearestPrices, holdCost, sizeTokens } from './size-hold.js';
import type { HoldSizing } from './size-hold.js';

/** What a call may spend: its hold, and the org's markup every cost of the call is priced with. */
export interface CallMoney {
  readonly holdNanos: bigint;
  readonly markupBasisPoints: number;
}

/**
 * Admission: one atomic hold on the org's credit (and the key's limit), sized by the
 * same pricing function as settlement at the dearest endpoint of the plan. A call
 * that cannot pay for its prompt and one output token gets 402; one that cannot pay
 * for its whole `max_tokens` (or the endpoint's, when absent) is sent with the output
 * the hold covers, named in the warnings.
 */
export async function admitCall(
  app: AppContext,
  input: {
    readonly key: KeyRecord;
    readonly generationId: string;
    readonly plan: RoutePlan;
    readonly request: ChatRequest;
    readonly promptEstimate: number;
    readonly nowMs: number;
  },
): Promise<{ readonly request: ChatRequest; readonly money: CallMoney; readonly warnings: readonly Warning[] }> {
  const { key, request, nowMs } = input;
  const markupBasisPoints = await app.orgMarkups.read(key.orgId);
  const tokens = sizeTokens(input.plan, input.promptEstimate, request.maxOutputTokens);
  const sizing: HoldSizing = {
    ...tokens,
    choiceCount: request.n ?? 1,
    prices: dearestPrices(input.plan, nowMs),
    markupBasisPoints,
  };
  const amountMax = holdCost(sizing, tokens.outputTokensMax);
  const result = await app.storage.ledger.placeHold({
    requestId: input.generationId,
    orgId: key.orgId,
    keyId: key.id,
    amountMax,
    amountMin: holdCost(sizing, 1),
    keyLimit: readKeyLimit(key, nowMs),
    nowMs,
    ttlMs: app.holdTtlMs,
  });
  if (!result.ok) throw refuseHold(app, result, holdCost(sizing, 1));
  const money = { holdNanos: result.amount, markupBasisPoints };
  if (result.amount >= amountMax) return { request, money, warnings: [] };
  const affordable = affordableOutputTokens(sizing, result.amount);
  const warning: Warning = {
    type: 'clamped-setting',
    setting: 'max_tokens',
    from: request.maxOutputTokens ?? tokens.outputTokensMax,
    to: affordable,
  };
  return { request: { ...request, maxOutputTokens: affordable }, money, warnings: [warning] };
}

/** The key's credit limit and the start of its current window, for a hold; undefined for a key without one. */
export function readKeyLimit(
  key: KeyRecord,
  nowMs: number,
): { readonly limitNanos: bigint; readonly windowStartMs: number } | undefined {
  return key.limitNanos === null
    ? undefined
    : { limitNanos: key.limitNanos, windowStartMs: currentLimitWindowStartMs(key.limitReset, nowMs) };
}

/** A hold the org's credit or the key's limit refused: counted, and 402 with what was needed and what is left. */
export function refuseHold(
  app: AppContext,
  result: { readonly reason: 'insufficient_credits' | 'key_limit_reached'; readonly affordableNanos: bigint },
  needed: bigint,
): GatewayError {
  app.metrics.recordRateLimitRefusal(result.reason);
  const { reason, affordableNanos: affordable } = result;
  const what =
    reason === 'insufficient_credits' ? "The org's credit" : "This key's credit limit for its current window";
  return new GatewayError({
    code: reason,
    message: `${what} cannot pay for this request: it needs at least $${renderUsdText(needed)} for the prompt, $${renderUsdText(affordable)} is available.`,
  });
}
