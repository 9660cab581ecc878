import type { ServerResponse } from 'node:http';
import type { Model } from '../catalog/catalog-types.js';
import { resolvePrices } from '../catalog/index.js';
import { computeCost, countTextTokens } from '../metering/index.js';
import type { EmbeddingEncoding } from '../protocols/openai-chat/embeddings/parse-embeddings-request.js';
import type { EmbeddingsRequest } from '../spec/index.js';
import type { CallMoney } from './admit-call.js';
import { readKeyLimit, refuseHold } from './admit-call.js';
import { admitRate } from './admit-rate.js';
import type { KeyRecord } from '../storage/index.js';
import { sizeTokens } from './size-hold.js';
import type { Endpoint } from '../catalog/catalog-types.js';
import { limits } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import { describeEmbeddingsCall, startEmbeddingsSpan } from '../observability/index.js';
import type { TraceSpan } from '../observability/index.js';
import { parseEmbeddingsRequest, renderEmbeddingsResponse } from '../protocols/openai-chat/index.js';
import { resolveEndpoints } from '../routing/index.js';
import { readBodyText } from '../upstream/index.js';
import type { CallAbort } from '../upstream/index.js';
import type { AppContext, CallContext } from './app-context.js';
import { parseUpstreamJson } from './complete-model-call.js';
import { createGenerationId } from './create-ids.js';
import { releaseUnsettledHold } from './release-hold.js';
import { sendUpstreamRequest } from './send-upstream-request.js';
import { settleEmbeddings } from './settle-embeddings.js';
import { planEmbeddingsCandidates, runEmbeddingsAttempts } from './run-embeddings-attempts.js';
import type { EmbeddingsCallState, EmbeddingsCandidate } from './run-embeddings-attempts.js';
import { labelResponse } from './request-labels.js';

/**
 * POST /v1/embeddings: parse (OpenAI shape) → route to an embeddings model the key may use → the key's rate limits →
 * hold (the org's credit and the key's limit) →
 * call its upstream (OpenAI-compatible or Gemini) → meter prompt tokens → record →
 * answer in OpenAI's shape, re-encoded as base64 when the client asked.
 */
export async function handleEmbeddingsCall(
  app: AppContext,
  call: CallContext,
  exchange: { readonly body: unknown; readonly response: ServerResponse; readonly key: KeyRecord },
): Promise<void> {
  const { request, encoding } = parseEmbeddingsRequest(exchange.body);
  const resolved = resolveEndpoints(app.catalog, request.model, call.startedAtMs);
  assertEmbeddingsModel(resolved.model, exchange.key);
  const candidates = planEmbeddingsCandidates(app, resolved.endpoints, call.startedAtMs);
  const promptEstimate = request.input.reduce((sum, text) => sum + countTextTokens(text), 0);
  const admission = app.rateLimiter.admit(exchange.key.id, exchange.key.rateLimits, promptEstimate);
  const rate = admitRate(app, exchange.response, admission instanceof Promise ? await admission : admission);
  let billedTokens = 0;
  const span = startEmbeddingsSpan({ model: request.model, requestId: call.requestId });
  const generationId = createGenerationId(call.startedAtMs);
  try {
    // Sized at the dearest candidate: whichever serves, the hold covers its price.
    const endpoint = dearestEndpoint(candidates, call.startedAtMs);
    const money = await holdForEmbeddings(app, { key: exchange.key, call, promptEstimate, endpoint, generationId });
    app.liveHolds.add(generationId);
    billedTokens = await callEmbeddings(app, {
      call,
      request,
      encoding,
      candidates,
      generationId,
      money,
      model: resolved.model,
      response: exchange.response,
      span,
    });
  } catch (error) {
    span.recordError(toGatewayError(error).code);
    // Nothing was charged: the hold goes back (a no-op if the call was already settled).
    await releaseUnsettledHold(app, generationId);
    throw error;
  } finally {
    app.liveHolds.delete(generationId);
    span.end();
    // The minute's tokens: the estimate while the call runs, then what was billed (nothing for a call that failed).
    rate.finish(billedTokens);
  }
}

/** An embeddings model the key may use (its allow-list, when it has one), else 400 or 403. */
function assertEmbeddingsModel(model: Model, key: KeyRecord): void {
  if (!model.outputModalities.includes('embeddings')) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `'${model.id}' is not an embeddings model (GET /v1/models lists output_modalities).`,
      param: 'model',
    });
  }
  if (key.allowedModels !== null && !key.allowedModels.includes(model.id)) {
    throw new GatewayError({
      code: 'permission_denied',
      message: `This key may not use '${model.id}'; it is limited to: ${key.allowedModels.join(', ')}.`,
      param: 'model',
    });
  }
}

/** A hold for the prompt's cost (embeddings have no output), with the same headroom as chat calls. */
async function holdForEmbeddings(
  app: AppContext,
  input: {
    readonly key: KeyRecord;
    readonly call: CallContext;
    readonly promptEstimate: number;
    readonly endpoint: Endpoint;
    readonly generationId: string;
  },
): Promise<CallMoney> {
  const markupBasisPoints = await app.orgMarkups.read(input.call.orgId);
  const { promptTokens } = sizeTokens({ attempts: [] }, input.promptEstimate, 0);
  const amount = computeCost({
    counts: { promptUncached: promptTokens, cacheRead: 0, cacheWrite: 0, outputText: 0, reasoning: 0 },
    prices: resolvePrices(input.endpoint, input.call.startedAtMs),
    markupBasisPoints,
  }).costNanos;
  const result = await app.storage.ledger.placeHold({
    requestId: input.generationId,
    orgId: input.call.orgId,
    keyId: input.call.keyId,
    amountMax: amount,
    amountMin: amount,
    keyLimit: readKeyLimit(input.key, input.call.startedAtMs),
    nowMs: input.call.startedAtMs,
    ttlMs: app.holdTtlMs,
  });
  if (!result.ok) throw refuseHold(app, result, amount);
  return { holdNanos: result.amount, markupBasisPoints };
}

async function callEmbeddings(
  app: AppContext,
  input: {
    readonly call: CallContext;
    readonly request: EmbeddingsRequest;
    readonly encoding: EmbeddingEncoding;
    readonly candidates: readonly EmbeddingsCandidate[];
    readonly generationId: string;
    readonly money: CallMoney;
    readonly model: Model;
    readonly response: ServerResponse;
    readonly span: TraceSpan;
  },
): Promise<number> {
  const { response } = input;
  let isClientGone = false;
  // Shutdown past its drain bound stops a call still waiting for its provider: answered 503 shutting_down.
  let stopError: GatewayError | undefined;
  const state: EmbeddingsCallState = {
    current: undefined,
    isStopped: () => isClientGone || stopError !== undefined,
    hasAnswered: () => response.headersSent,
  };
  response.on('close', () => {
    if (response.writableFinished) return;
    isClientGone = true;
    state.current?.abort();
  });
  const deadlineAtMs = input.call.startedAtMs + app.routingDeadlineMs;
  const attempts = { model: input.model, candidates: input.candidates, deadlineAtMs, state };
  const done = runEmbeddingsAttempts(app, attempts, (candidate, abort) =>
    runEmbeddingsCall(app, { ...input, ...candidate, headersTimeoutMs: Math.max(1, deadlineAtMs - app.now()) }, abort),
  ).catch((error: unknown) => {
    throw stopError ?? error;
  });
  app.openCalls.set(done, (error) => {
    if (response.headersSent) return;
    stopError = error;
    state.current?.abort(error);
  });
  try {
    return await done;
  } finally {
    app.openCalls.delete(done);
  }
}

async function runEmbeddingsCall(
  app: AppContext,
  input: Omit<Parameters<typeof callEmbeddings>[1], 'candidates'> &
    EmbeddingsCandidate & { readonly headersTimeoutMs: number },
  abort: CallAbort,
): Promise<number> {
  const { call, request, endpoint, embeddings, chat, generationId, response, encoding, model } = input;
  describeEmbeddingsCall(input.span, {
    providerId: endpoint.provider.id,
    baseUrl: endpoint.provider.baseUrl,
    upstreamModel: endpoint.upstreamModel,
  });
  const upstreamRequest = embeddings.buildEmbeddingsRequest(request, endpoint);
  const upstreamResponse = await sendUpstreamRequest(app, {
    endpoint,
    upstreamRequest,
    abort,
    adapter: chat,
    timing: { headersTimeoutMs: input.headersTimeoutMs },
  });
  const bodyText = await readBodyText(upstreamResponse.body, limits.upstreamResponseBytesMax);
  const result = embeddings.readEmbeddingsResponse(parseUpstreamJson(bodyText, endpoint.provider.id));
  if (result.embeddings.length !== request.input.length) {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: `Provider ${endpoint.provider.id} returned ${result.embeddings.length} embeddings for ${request.input.length} inputs.`,
    });
  }
  const { billed, record } = settleEmbeddings(app, {
    call,
    request,
    result,
    model: model,
    endpoint,
    generationId,
    money: input.money,
  });
  labelResponse(input.response, record);
  const stored = await app.generationWriter.write(record);
  describeEmbeddingsCall(input.span, {
    providerId: endpoint.provider.id,
    baseUrl: endpoint.provider.baseUrl,
    upstreamModel: endpoint.upstreamModel,
    inputTokens: record.tokensInputTotal ?? undefined,
    chargeNanos: stored.costNanos,
  });
  const body = renderEmbeddingsResponse(
    result,
    { ...billed, costNanos: stored.costNanos },
    {
      generationId,
      model: model.id,
      providerName: endpoint.provider.id,
      encoding,
    },
  );
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': call.requestId,
    'x-meridian-generation-id': generationId,
    'x-meridian-provider': endpoint.provider.id,
  });
  response.end(body);
  return billed.promptTokens;
}

function dearestEndpoint(candidates: readonly EmbeddingsCandidate[], nowMs: number): Endpoint {
  const price = (endpoint: Endpoint) => resolvePrices(endpoint, nowMs).promptNanosPerMillion;
  return candidates
    .map((candidate) => candidate.endpoint)
    .reduce((dearest, endpoint) => (price(endpoint) > price(dearest) ? endpoint : dearest));
}
