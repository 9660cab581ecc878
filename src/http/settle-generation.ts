import type { Endpoint, Model } from '../catalog/catalog-types.js';
import { resolvePrices } from '../catalog/index.js';
import { findImpossibleUsage, meterUsage, tokensPerCallMax } from '../metering/index.js';
import type { UsageBounds } from '../metering/index.js';
import type { BilledUsage, ChatRequest, FinishReason, Usage } from '../spec/index.js';
import type { Ending, GenerationContent, GenerationRecord } from '../storage/index.js';
import type { AttemptCost, SettleInput as LedgerSettlement } from '../ledger/index.js';
import type { CallMoney } from './admit-call.js';
import type { AppContext, CallContext } from './app-context.js';
import { toGatewayError } from '../errors/index.js';
import { endSettlementSpan, startSettlementSpan } from '../observability/index.js';
import type { SettlementSpans, TraceSpan } from '../observability/index.js';

/** Output that reached the client, kept to estimate usage when the provider reports none. */
export interface DeliveredOutput {
  readonly text: string[];
  readonly reasoning: string[];
  readonly toolArguments: string[];
}

export function createDeliveredOutput(): DeliveredOutput {
  return { text: [], reasoning: [], toolArguments: [] };
}

export interface SettleInput {
  readonly call: CallContext;
  readonly request: ChatRequest;
  readonly model: Model;
  readonly endpoint: Endpoint;
  readonly generationId: string;
  readonly upstreamId: string | undefined;
  readonly usage: Usage | undefined;
  readonly delivered: DeliveredOutput;
  readonly finishReason: FinishReason | undefined;
  readonly ending: Ending;
  readonly errorCode: string | undefined;
  /** When a stream's first output event was written to the client; undefined for a JSON answer (see `buildRecord`). */
  readonly firstOutputAtMs: number | undefined;
  /** The call's hold and markup; the charge never exceeds the hold (INV-2). */
  readonly money: CallMoney;
  /** Which attempt served (1-based), for the provider-cost posting. */
  readonly attemptNumber: number;
  /**
   * The upstream costs of the call's earlier attempts that failed after their provider reported usage
   * (`failed-attempt-costs.ts`): charged to no one, posted with this settlement and counted in the record's upstream cost.
   */
  readonly failedAttemptCosts?: readonly AttemptCost[];
  /** The live call's spans; absent outside one (the simulator). */
  readonly spans?: SettlementSpans;
  /** Prompt and completion, only for an org that opted in to prompt logging (stored with the record). */
  readonly content?: GenerationContent;
}

/**
 * Meters a finished call and applies the charging policy of PRODUCT.md §4: full
 * price on success; nothing when no output reached the client (zero-completion
 * insurance); prompt + delivered completion after an upstream error or a client
 * abort. The upstream cost is always recorded for the operator.
 */
export function settleGeneration(
  app: Pick<AppContext, 'now'> & Partial<Pick<AppContext, 'log'>>,
  input: SettleInput,
): { billed: BilledUsage; record: GenerationRecord; span: TraceSpan } {
  const finishedAtMs = app.now();
  const bounds = findUsageBounds(input);
  const impossible = findImpossibleUsage(input.usage, bounds);
  // INV-7: the count is clamped in the customer's favour below, and the operator told (the provider's bill may differ).
  if (impossible !== undefined) {
    app.log?.warn('usage_impossible', {
      generationId: input.generationId,
      providerId: input.endpoint.provider.id,
      reported: impossible,
      bounds,
    });
  }
  const metered = meterUsage({
    bounds,
    usage: input.usage,
    request: input.request,
    deliveredText: {
      text: input.delivered.text.join(''),
      reasoning: input.delivered.reasoning.join(''),
      toolArguments: input.delivered.toolArguments.join(''),
    },
    prices: resolvePrices(input.endpoint, input.call.startedAtMs),
    markupBasisPoints: input.money.markupBasisPoints,
  });
  const isCharged = input.ending !== 'no_output' && input.ending !== 'error' && metered.completionTokens > 0;
  // An attempt that failed with no usage reported cost the operator nothing either.
  const isUpstreamCharged = !(input.ending === 'error' && input.usage === undefined);
  const chargeNanos = isCharged ? metered.costNanos : 0n;
  const billed: BilledUsage = {
    ...metered,
    // The ledger charges this, drawing above the hold on what is still available and never below zero (INV-2);
    // the stored record (and the answer) carry what it actually charged.
    costNanos: chargeNanos,
    upstreamCostNanos: isUpstreamCharged ? metered.upstreamCostNanos : 0n,
  };
  const ending: Ending = input.ending === 'success' && metered.completionTokens === 0 ? 'no_output' : input.ending;
  const failedCosts = input.failedAttemptCosts ?? [];
  // The record's upstream cost is what the call cost the operator: the serving attempt's and the failed ones'.
  const recorded = { ...billed, upstreamCostNanos: billed.upstreamCostNanos + sumAttemptCosts(failedCosts) };
  const record = buildRecord({ ...input, isStreaming: input.request.stream }, recorded, ending, finishedAtMs);
  const settled: GenerationRecord = {
    ...record,
    settlement: createSettlement(input, billed, finishedAtMs, failedCosts),
    ...(input.content === undefined ? {} : { content: input.content }),
  };
  return { billed, record: settled, span: startSettlementSpan(input.spans, settled) };
}

/**
 * What the call could use at most (INV-7): a prompt within the endpoint's context window; an output within the limit
 * it was sent with (the request's, else the endpoint's, else the window), once per choice. A passthrough model's
 * window is unknown (0, as routing reads it): only the per-call bound applies there, else every count its server
 * reported would be "impossible" and replaced by a local estimate.
 */
export function findUsageBounds(input: Pick<SettleInput, 'request' | 'endpoint'>): UsageBounds {
  const { request, endpoint } = input;
  const windowTokens = endpoint.contextLength === 0 ? tokensPerCallMax : endpoint.contextLength;
  const outputMax = request.maxOutputTokens ?? endpoint.maxOutputTokens ?? windowTokens;
  return { promptTokensMax: windowTokens, completionTokensMax: outputMax * (request.n ?? 1) };
}

/** Commits a settled record (group commit); its settlement span ends with what the ledger actually charged. */
export async function writeSettledRecord(
  app: Pick<AppContext, 'generationWriter'>,
  settled: { readonly record: GenerationRecord; readonly span: TraceSpan },
): Promise<GenerationRecord> {
  try {
    const stored = await app.generationWriter.write(settled.record);
    endSettlementSpan(settled.span, stored);
    return stored;
  } catch (error) {
    settled.span.recordError(toGatewayError(error).code);
    endSettlementSpan(settled.span, undefined);
    throw error;
  }
}

/**
 * A record whose group commit failed, as the embedded node stores it once its database can be written again
 * (src/storage/retained-records.ts). Such a call's answer never finished: a JSON or embeddings call is answered only
 * after its commit, so it was refused with 503 `ledger_unavailable` and is charged nothing; a stream's end (its usage
 * chunk and `[DONE]`) waits for the commit too, so the client got the output but not the end, and is charged as for
 * an error after output (PRODUCT.md §4: prompt and delivered completion, which is what the stream had metered). Both
 * end in `ledger_unavailable`; the upstream cost stays booked (insurance expense when nothing is charged). A call that
 * had already ended otherwise (an error, a client that left) stands as it was; an answer from the response cache
 * (charged 0, no hold) keeps its ending and gets the code.
 */
export function amendRefusedRecord(record: GenerationRecord): GenerationRecord {
  if (record.ending === 'error' || record.ending === 'client_abort') return record;
  // An answer from the response cache moved no money either way; it keeps its ending, with the refusal's code.
  if (record.ending === 'cache') return { ...record, errorCode: 'ledger_unavailable' };
  const refused = { ...record, ending: 'error' as const, errorCode: 'ledger_unavailable' };
  if (record.isStreaming) return refused;
  return {
    ...refused,
    costNanos: 0n,
    ...(record.settlement === undefined ? {} : { settlement: { ...record.settlement, chargeNanos: 0n } }),
  };
}

/**
 * The ledger side of a settled call: the charge, the upstream costs of its failed attempts (if any) and the serving
 * attempt's upstream cost.
 */
export function createSettlement(
  input: { readonly generationId: string; readonly endpoint: Endpoint; readonly attemptNumber: number },
  billed: BilledUsage,
  nowMs: number,
  failedAttemptCosts: readonly AttemptCost[] = [],
): LedgerSettlement {
  const serving: AttemptCost = {
    attemptId: `${input.generationId}:${input.attemptNumber}`,
    providerId: input.endpoint.provider.id,
    amount: billed.upstreamCostNanos,
  };
  return {
    requestId: input.generationId,
    chargeNanos: billed.costNanos,
    attemptCosts: billed.upstreamCostNanos > 0n ? [...failedAttemptCosts, serving] : [...failedAttemptCosts],
    nowMs,
  };
}

function sumAttemptCosts(costs: readonly AttemptCost[]): bigint {
  let total = 0n;
  for (const cost of costs) total += cost.amount;
  return total;
}

/** What a generation record needs besides the metered usage. */
export type RecordInput = Omit<
  SettleInput,
  'request' | 'usage' | 'delivered' | 'money' | 'attemptNumber' | 'content'
> & {
  readonly isStreaming: boolean;
};

/**
 * One generation record: identity, attribution, tokens, money, ending and timings. Time to first token (and the
 * generation time and throughput measured from it) is a stream's only: a JSON answer (chat, embeddings, or one from
 * the response cache) reaches the client whole, and its upstream's first byte comes when the generation is done, so a
 * TTFT there would be the call's latency again and skew every TTFT figure; it is null (unknown), never a guess.
 */
export function buildRecord(
  input: RecordInput,
  billed: BilledUsage,
  ending: Ending,
  finishedAtMs: number,
): GenerationRecord {
  const { call, endpoint, model } = input;
  const firstOutputAtMs = input.isStreaming ? (input.firstOutputAtMs ?? null) : null;
  const generatingMs = firstOutputAtMs === null ? 0 : finishedAtMs - firstOutputAtMs;
  return {
    id: input.generationId,
    requestId: call.requestId,
    orgId: call.orgId,
    keyId: call.keyId,
    appReferer: call.appReferer,
    appTitle: call.appTitle,
    modelId: model.id,
    author: model.author,
    origin: model.origin,
    providerId: endpoint.provider.id,
    upstreamModel: endpoint.upstreamModel,
    upstreamId: input.upstreamId ?? null,
    isStreaming: input.isStreaming,
    tokensInputTotal: billed.promptTokens,
    tokensInputCacheRead: billed.usage.inputTokens.cacheRead ?? null,
    tokensInputCacheWrite: billed.usage.inputTokens.cacheWrite ?? null,
    tokensOutputTotal: billed.completionTokens,
    tokensOutputReasoning: billed.usage.outputTokens.reasoning ?? null,
    isUsageEstimated: billed.isEstimated,
    costNanos: billed.costNanos,
    upstreamCostNanos: billed.upstreamCostNanos,
    finishReason: input.finishReason?.unified ?? null,
    finishReasonRaw: input.finishReason?.raw ?? null,
    ending,
    errorCode: input.errorCode ?? null,
    startedAtMs: call.startedAtMs,
    finishedAtMs,
    latencyMs: finishedAtMs - call.startedAtMs,
    ttftMs: firstOutputAtMs === null ? null : firstOutputAtMs - call.startedAtMs,
    throughputTokensPerSecond:
      generatingMs > 0 && billed.completionTokens > 0
        ? Math.round((billed.completionTokens * 1000 * 100) / generatingMs) / 100
        : null,
    usageRaw: billed.usage.raw === undefined ? null : JSON.stringify(billed.usage.raw),
  };
}
