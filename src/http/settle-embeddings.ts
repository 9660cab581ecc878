import type { Endpoint, Model } from '../catalog/catalog-types.js';
import { resolvePrices } from '../catalog/index.js';
import { computeCost, countTextTokens, tokensPerCallMax } from '../metering/index.js';
import type { BilledUsage, EmbeddingsRequest, EmbeddingsResult } from '../spec/index.js';
import type { GenerationRecord } from '../storage/index.js';
import type { AppContext, CallContext } from './app-context.js';
import type { CallMoney } from './admit-call.js';
import { buildRecord, createSettlement } from './settle-generation.js';

/**
 * Meters an embeddings call: prompt tokens only, as the provider reported them or,
 * when it did not (Gemini's batch API), counted with the local tokenizer and
 * flagged estimated. Embeddings have no completion, so a successful call is charged
 * in full (the zero-completion rule of chat does not apply).
 */
export function settleEmbeddings(
  app: AppContext,
  input: {
    readonly call: CallContext;
    readonly request: EmbeddingsRequest;
    readonly result: EmbeddingsResult;
    readonly model: Model;
    readonly endpoint: Endpoint;
    readonly generationId: string;
    readonly money: CallMoney;
  },
): { billed: BilledUsage; record: GenerationRecord } {
  const reported = input.result.inputTokens;
  const isReported =
    reported !== undefined && Number.isInteger(reported) && reported >= 0 && reported <= tokensPerCallMax;
  const promptTokens = isReported
    ? reported
    : input.request.input.reduce((sum, text) => sum + countTextTokens(text), 0);
  const { costNanos, upstreamCostNanos } = computeCost({
    counts: { promptUncached: promptTokens, cacheRead: 0, cacheWrite: 0, outputText: 0, reasoning: 0 },
    prices: resolvePrices(input.endpoint, input.call.startedAtMs),
    markupBasisPoints: input.money.markupBasisPoints,
  });
  const chargeNanos = costNanos;
  const billed: BilledUsage = {
    usage: {
      inputTokens: {
        total: isReported ? reported : undefined,
        noCache: undefined,
        cacheRead: undefined,
        cacheWrite: undefined,
      },
      outputTokens: { total: 0, text: 0, reasoning: undefined },
      isEstimated: !isReported,
      ...(input.result.rawUsage === undefined ? {} : { raw: input.result.rawUsage }),
    },
    promptTokens,
    completionTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costNanos: chargeNanos,
    upstreamCostNanos,
    isEstimated: !isReported,
  };
  const finishedAtMs = app.now();
  const record = buildRecord(
    {
      ...input,
      upstreamId: input.result.upstreamId,
      finishReason: undefined,
      ending: 'success',
      errorCode: undefined,
      firstOutputAtMs: undefined,
      isStreaming: false,
    },
    billed,
    'success',
    finishedAtMs,
  );
  return {
    billed,
    record: { ...record, settlement: createSettlement({ ...input, attemptNumber: 1 }, billed, finishedAtMs) },
  };
}
