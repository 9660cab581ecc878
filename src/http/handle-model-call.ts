import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, Model } from '../catalog/catalog-types.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import { approximatePromptTokens } from '../metering/index.js';
import type { InboundCodec, OutboundAdapter } from '../protocols/adapter-types.js';
import { lazyConversationKey, parseRoutingControls, planRoute } from '../routing/index.js';
import type { LazyConversationKey, RoutePlan } from '../routing/index.js';
import type { ChatRequest, ParsedChatRequest, Warning } from '../spec/index.js';
import type { CallAbort } from '../upstream/index.js';
import { startCallSpan } from '../observability/index.js';
import type { TraceSpan } from '../observability/index.js';
import type { KeyRecord } from '../storage/index.js';
import type { AttemptCost } from '../ledger/index.js';
import type { AppContext, CallContext } from './app-context.js';
import type { CallOutcome } from './call-outcome.js';
import type { CallMoney } from './admit-call.js';
import { admitCall } from './admit-call.js';
import { admitRate } from './admit-rate.js';
import { serveCachedCall } from './serve-cached-call.js';
import { cacheHeaderName } from '../cache/index.js';
import type { CacheRequest, CachedCall, ResponseCache } from '../cache/index.js';
import { resolveSharedEntry } from '../cache/shared/index.js';
import { createGenerationId } from './create-ids.js';
import { releaseUnsettledHold } from './release-hold.js';
import { listInputModalities, listUsedParameters } from './list-used-parameters.js';
import { runAttempts } from './run-attempts.js';
import { createDeliveredOutput, settleGeneration, writeSettledRecord } from './settle-generation.js';
import { labelResponse, readResponseLabels } from './request-labels.js';

/** One routed attempt: what the JSON and stream paths both need. */
export interface RoutedCall {
  readonly app: AppContext;
  readonly call: CallContext;
  readonly inbound: InboundCodec;
  readonly adapter: OutboundAdapter;
  readonly request: ChatRequest;
  /** The client's request warnings, then this attempt's adapter warnings (both reach `x-meridian-warnings`). */
  readonly warnings: Warning[];
  readonly model: Model;
  readonly endpoint: Endpoint;
  readonly generationId: string;
  /** Aborts this attempt: the client left, or the deadline passed. */
  readonly abort: CallAbort;
  readonly response: ServerResponse;
  /** 1 for the first attempt, 2 for the first fallback, … */
  readonly attemptNumber: number;
  readonly attemptStartedAtMs: number;
  /** Called by the stream path when it commits the 200 (no fallback after this). */
  readonly onCommit: () => void;
  /** The call's hold and markup. */
  readonly money: CallMoney;
  /** Upstream costs of the call's attempts that failed after reporting usage, shared by its attempts (settled once). */
  readonly failedAttemptCosts: AttemptCost[];
  /** Where to keep the answer for later calls, when this one asked for the response cache. */
  readonly cache: CacheRequest | undefined;
  readonly callSpan: TraceSpan;
  /** This attempt's span (ended by the attempt loop). */
  readonly attemptSpan: TraceSpan;
}

/**
 * The one model-call pipeline: parse → plan a route → try attempts (fallbacks only
 * before the first byte reaches the client) → meter → record → render. Errors before
 * output are thrown to the caller, which renders them in the client's dialect; the
 * stream path handles errors after output in-band.
 */
export async function handleModelCall(
  app: AppContext,
  call: CallContext,
  exchange: {
    readonly inbound: InboundCodec;
    readonly body: unknown;
    /** The body as received. */
    readonly bytes: Buffer;
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
    readonly key: KeyRecord;
    /** What the call asked of the response cache (`x-meridian-cache`); undefined when it did not ask. */
    readonly cache: CacheRequest | 'off' | undefined;
  },
): Promise<void> {
  const parsed = exchange.inbound.parseRequest(exchange.body, exchange.bytes, exchange.request.headers, call.orgId);
  const span = startCallSpan({
    model: parsed.request.model,
    maxOutputTokens: parsed.request.maxOutputTokens,
    isStreaming: parsed.request.stream,
    requestId: call.requestId,
  });
  try {
    await routeCall(app, call, { ...exchange, parsed, span });
  } catch (error) {
    // A settled call has marked its span (a client that left is no error); this marks refusals before any attempt.
    if (readResponseLabels(exchange.response) === undefined) span.recordError(toGatewayError(error).code);
    throw error;
  } finally {
    span.end();
  }
}

/** Plans, admits (rate and credit) and runs the attempts of a parsed call. */
async function routeCall(
  app: AppContext,
  call: CallContext,
  exchange: {
    readonly parsed: ParsedChatRequest;
    readonly span: TraceSpan;
    readonly response: ServerResponse;
    readonly key: KeyRecord;
    readonly inbound: InboundCodec;
    readonly cache: CacheRequest | 'off' | undefined;
  },
): Promise<void> {
  const { parsed } = exchange;
  const session = lazyConversationKey(parsed.request);
  const promptEstimate = approximatePromptTokens(parsed.request);
  const plan = planCall(app, parsed.request, {
    nowMs: call.startedAtMs,
    session,
    promptEstimate,
    allowedModelIds: exchange.key.allowedModels,
  });
  const admission = app.rateLimiter.admit(exchange.key.id, exchange.key.rateLimits, promptEstimate);
  const rate = admitRate(app, exchange.response, admission instanceof Promise ? await admission : admission);
  const generationId = createGenerationId(call.startedAtMs);
  const cache = exchange.cache === undefined ? notAsked : await lookUpCache(app, exchange, plan, call.startedAtMs);
  if (cache.hit !== undefined) {
    return serveHit(
      app,
      call,
      { ...exchange, request: parsed.request, warnings: parsed.warnings, generationId },
      {
        cached: cache.hit,
        rate,
      },
    );
  }
  let outcome: CallOutcome | undefined;
  app.callsInFlight.count += 1;
  try {
    const admitted = await admitCall(app, {
      key: exchange.key,
      generationId,
      plan,
      request: parsed.request,
      promptEstimate,
      nowMs: call.startedAtMs,
    });
    // Renewed while the call runs (a stream may outlast the hold's TTL), forgotten once it ends: settled or released.
    app.liveHolds.add(generationId);
    const base = {
      app,
      call,
      inbound: exchange.inbound,
      request: admitted.request,
      warnings: [...parsed.warnings, ...admitted.warnings],
      generationId,
      response: exchange.response,
      session,
      money: admitted.money,
      failedAttemptCosts: [],
      span: exchange.span,
      // The only admission warning is an output limit lowered to what the balance affords (see CacheRequest).
      cache:
        cache.request === undefined ? undefined : { ...cache.request, isOutputCapped: admitted.warnings.length > 0 },
    };
    outcome = await runAttempts(base, plan);
  } catch (error) {
    // A call that ended before any attempt settled (no endpoint could be tried) gives its hold back; a no-op
    // when the failure was already recorded and settled (settlement is exactly once).
    await releaseUnsettledHold(app, generationId);
    throw error;
  } finally {
    app.liveHolds.delete(generationId);
    app.callsInFlight.count -= 1;
    // The minute's tokens: the estimate while the call runs, then what was billed (nothing for a call that failed).
    rate.finish(outcome === undefined ? 0 : outcome.promptTokens + outcome.completionTokens);
  }
}

/** A call that did not ask for the response cache (the common case: no lookup, no header). */
const notAsked = { request: undefined, hit: undefined } as const;

/** A cached answer costs nothing and uses no upstream capacity: no hold, no attempt, 0 tokens for the minute. */
async function serveHit(
  app: AppContext,
  call: CallContext,
  exchange: Omit<Parameters<typeof serveCachedCall>[2], 'cached'>,
  hit: { readonly cached: CachedCall; readonly rate: { finish: (actualTokens: number) => void } },
): Promise<void> {
  try {
    await serveCachedCall(app, call, { ...exchange, cached: hit.cached });
  } finally {
    hit.rate.finish(0);
  }
}

/**
 * The response cache, for a call that asked for it: this node's memory first, then (cluster mode) Redis. A hit is
 * served only when the plan could have reached its model (so a key's allow-list and the call's routing constraints
 * still hold); the answer says `hit`, `miss` or `off`.
 */
async function lookUpCache(
  app: AppContext,
  exchange: { readonly cache: CacheRequest | 'off' | undefined; readonly response: ServerResponse },
  plan: RoutePlan,
  nowMs: number,
): Promise<{ readonly request: CacheRequest | undefined; readonly hit: CachedCall | undefined }> {
  const asked = exchange.cache;
  if (asked === undefined) return notAsked;
  const local = app.responseCache;
  if (asked === 'off' || local === undefined) {
    exchange.response.setHeader(cacheHeaderName, 'off');
    return notAsked;
  }
  const models = plan.attempts.map((attempt) => attempt.model);
  const found = local.get(asked.key, asked.ttlMs, nowMs);
  const hit = found === undefined ? await lookUpShared(app, asked, models, local) : ifReachable(found, models);
  exchange.response.setHeader(cacheHeaderName, hit === undefined ? 'miss' : 'hit');
  return { request: asked, hit };
}

/** An answer from this node's memory, when the call's route could reach its model. */
function ifReachable(found: CachedCall, models: readonly Model[]): CachedCall | undefined {
  return models.some((model) => model.id === found.model.id) ? found : undefined;
}

/** A shared answer this node can serve (its model and endpoint are in the plan) is also kept in this node's memory. */
async function lookUpShared(
  app: AppContext,
  asked: CacheRequest,
  models: readonly Model[],
  local: ResponseCache,
): Promise<CachedCall | undefined> {
  const entry = await app.sharedResponseCache?.get(asked.key, asked.ttlMs);
  if (entry === undefined) return undefined;
  const resolved = resolveSharedEntry(entry, models);
  if (resolved !== undefined) {
    local.set(asked.key, resolved, entry.expiresAtMs - entry.storedAtMs, entry.storedAtMs, entry.bytes);
  }
  return resolved;
}

function planCall(
  app: AppContext,
  request: ChatRequest,
  context: {
    readonly nowMs: number;
    readonly session: LazyConversationKey;
    readonly promptEstimate: number;
    /** The key's allow-list (fallback models included); null = every model. */
    readonly allowedModelIds: readonly string[] | null;
  },
): RoutePlan {
  const { nowMs, session } = context;
  const controls = parseRoutingControls(request.routingControls);
  const plan = planRoute({
    catalog: app.catalog,
    model: request.model,
    controls,
    usedParameters: listUsedParameters(request),
    usedInputModalities: listInputModalities(request),
    promptTokensEstimate: context.promptEstimate,
    maxOutputTokens: request.maxOutputTokens,
    nowMs,
    health: app.health,
    random: Math.random,
    ...(context.allowedModelIds === null ? {} : { allowedModelIds: context.allowedModelIds }),
    readStickyEndpointKey: () => {
      const sessionKey = session.get();
      return sessionKey === undefined ? undefined : app.stickySessions.get(sessionKey, nowMs);
    },
  });
  for (const attempt of plan.attempts) {
    if (!attempt.model.outputModalities.includes('text')) {
      throw new GatewayError({
        code: 'invalid_request',
        message: `'${attempt.model.id}' is an embeddings model; call POST /v1/embeddings.`,
        param: 'model',
      });
    }
  }
  return plan;
}

/** Records a call that failed before any output: no charge, the error code kept. */
export async function recordFailure(routed: RoutedCall, error: unknown): Promise<void> {
  if (routed.response.headersSent) return;
  // The failed call is recorded; its id lets the client look it up.
  routed.response.setHeader('x-meridian-generation-id', routed.generationId);
  const gatewayError = toGatewayError(error);
  const settled = settleGeneration(routed.app, {
    call: routed.call,
    request: routed.request,
    model: routed.model,
    endpoint: routed.endpoint,
    generationId: routed.generationId,
    upstreamId: undefined,
    usage: undefined,
    delivered: createDeliveredOutput(),
    finishReason: undefined,
    // Aborted with a gateway error (the deadline, shutdown): an error; aborted without one: the client left.
    ending: routed.abort.aborted && !(routed.abort.reason instanceof GatewayError) ? 'client_abort' : 'error',
    errorCode: gatewayError.code,
    firstOutputAtMs: undefined,
    money: routed.money,
    attemptNumber: routed.attemptNumber,
    failedAttemptCosts: routed.failedAttemptCosts,
    // Every attempt's span has ended: the outcome goes on the call's.
    spans: { call: routed.callSpan, attempt: undefined },
  });
  labelResponse(routed.response, settled.record);
  try {
    await writeSettledRecord(routed.app, settled);
  } catch (writeError) {
    routed.app.log.error('generation_write_failed', { generationId: routed.generationId, error: String(writeError) });
  }
}
