import type { ServerResponse } from 'node:http';
import { GatewayError, toGatewayError } from '../errors/index.js';
import { endpointKey } from '../health/index.js';
import type { EndpointHealthSnapshot } from '../health/index.js';
import type { InboundCodec } from '../protocols/adapter-types.js';
import type { LazyConversationKey, RouteAttempt, RoutePlan } from '../routing/index.js';
import type { ChatRequest, Warning } from '../spec/index.js';
import type { UpstreamResponse } from '../upstream/index.js';
import { CallAbort } from '../upstream/index.js';
import { startAttemptSpan } from '../observability/index.js';
import type { TraceSpan } from '../observability/index.js';
import type { CacheRequest } from '../cache/index.js';
import type { AttemptCost } from '../ledger/index.js';
import type { CallMoney } from './admit-call.js';
import type { AppContext, CallContext } from './app-context.js';
import type { CallOutcome } from './call-outcome.js';
import { canFailOver, classifyFailure } from './classify-failure.js';
import { completeModelCall } from './complete-model-call.js';
import type { RoutedCall } from './handle-model-call.js';
import { recordFailure } from './handle-model-call.js';
import { recordOutcome } from './record-outcome.js';
import { sendUpstreamRequest } from './send-upstream-request.js';
import { prepareStream, streamModelCall } from './stream-model-call.js';
import type { StreamKit } from './stream-model-call.js';

/** What every attempt of one call shares. */
export interface CallBase {
  readonly app: AppContext;
  readonly call: CallContext;
  readonly inbound: InboundCodec;
  readonly request: ChatRequest;
  readonly warnings: readonly Warning[];
  readonly generationId: string;
  readonly response: ServerResponse;
  /** The conversation's key, computed only if routing consulted stickiness (an endpoint was chosen among several). */
  readonly session: LazyConversationKey;
  readonly money: CallMoney;
  /** Upstream costs of failed attempts that reported usage: each attempt adds its own, the settlement posts them all. */
  readonly failedAttemptCosts: AttemptCost[];
  /** The call's span; each attempt's span is its child. */
  readonly span: TraceSpan;
  /** Where to keep the answer, when the call asked for the response cache. */
  readonly cache: CacheRequest | undefined;
}

/**
 * Tries the plan's attempts in order until one reaches the client. Fallback happens
 * only before the first byte is written (the stream path peeks at the first event
 * before committing), only for endpoint faults, within the retry budget and the
 * call's deadline. Every attempt's outcome feeds endpoint health.
 */
export async function runAttempts(base: CallBase, plan: RoutePlan): Promise<CallOutcome> {
  const shutdown: { error?: GatewayError; abortCurrent?: (error: GatewayError) => void } = {};
  const done = tryAttempts(base, plan, shutdown);
  // Shutdown past its drain bound stops a call still waiting for its upstream (a JSON call, a stream before its first
  // byte) with `shutting_down`; a stream that started is ended in-band by its own entry (stream-model-call.ts).
  base.app.openCalls.set(done, (error) => {
    shutdown.error = error;
    if (!base.response.headersSent) shutdown.abortCurrent?.(error);
  });
  try {
    return await done;
  } finally {
    base.app.openCalls.delete(done);
  }
}

async function tryAttempts(
  base: CallBase,
  plan: RoutePlan,
  shutdown: { error?: GatewayError; abortCurrent?: (error: GatewayError) => void },
): Promise<CallOutcome> {
  const { app, call, response } = base;
  const deadlineAtMs = call.startedAtMs + app.routingDeadlineMs;
  let current: CallAbort | undefined;
  // A client can leave while the call is admitted (its key, rate limit and hold: round trips to PostgreSQL and Redis
  // in cluster mode), before this listener exists: its 'close' has fired already and will not fire again. An attempt
  // made then could write nothing, and a stream paused for a drain that never comes would hang until shutdown.
  let isClientGone = response.closed && !response.writableFinished;
  shutdown.abortCurrent = (error) => current?.abort(error);
  response.on('close', () => {
    if (response.writableFinished) return;
    isClientGone = true;
    current?.abort();
  });
  let lastError: GatewayError | undefined;
  let lastRouted: RoutedCall | undefined;
  // Of the candidates skipped as unavailable, the one that can serve again soonest: its wait is the client's.
  let resting: GatewayError | undefined;
  // Upstream attempts made: candidates skipped (resting, or too small after a context-length error) are not counted.
  let attemptsMade = 0;
  for (const attempt of plan.attempts) {
    if (isClientGone || shutdown.error !== undefined || app.now() >= deadlineAtMs) break;
    if (lastError !== undefined && !isWorthTrying(attempt, lastError, lastRouted)) continue;
    const key = endpointKey(attempt.endpoint);
    if (!app.health.tryAdmit(key, app.now())) {
      resting = soonerAvailable(resting, unavailable(attempt, app.health.snapshot(key, app.now()), app.now()));
      continue;
    }
    // Over its deployment's retry budget, a fallback is not sent there; the next candidate has a budget of its own.
    const releaseAttempt = app.retryBudget.tryAcquire(key, lastRouted !== undefined);
    if (releaseAttempt === undefined) {
      app.health.release(key);
      continue;
    }
    attemptsMade += 1;
    const routed = createRoutedCallOrRelease(base, attempt, { attemptNumber: attemptsMade, key, releaseAttempt });
    current = routed.abort;
    try {
      const outcome = await runOneAttempt(routed, deadlineAtMs);
      recordOutcome(app, { key, routed, outcome, sessionKey: base.session.known });
      return outcome;
    } catch (error) {
      lastError = attemptError(error, routed, deadlineAtMs);
      lastRouted = routed;
      // A client that left ended the attempt; that is not the endpoint's failure.
      if (isClientGone) routed.attemptSpan.setAttributes({ 'meridian.ending': 'client_abort' });
      else routed.attemptSpan.recordError(lastError.code);
      const kind = classifyFailure(lastError);
      if (kind === undefined || isClientGone) app.health.release(key);
      else app.health.recordFailure(key, failureSample(app.now(), kind, lastError));
      if (response.headersSent || isClientGone || !canFailOver(lastError)) break;
    } finally {
      routed.attemptSpan.end();
      releaseAttempt();
    }
  }
  lastError ??= resting ?? shutdown.error;
  if (lastRouted !== undefined) await recordFailure(lastRouted, lastError);
  if (lastError === undefined && isClientGone) {
    throw new GatewayError({ code: 'request_timeout', message: 'The client closed the connection.' });
  }
  throw lastError ?? nothingTried();
}

/** An attempt's routed call; an attempt that cannot even be built gives back its admission and budget at once. */
function createRoutedCallOrRelease(
  base: CallBase,
  attempt: RouteAttempt,
  admitted: { readonly attemptNumber: number; readonly key: string; readonly releaseAttempt: () => void },
): RoutedCall {
  try {
    return createRoutedCall(base, attempt, admitted.attemptNumber);
  } catch (error) {
    base.app.health.release(admitted.key);
    admitted.releaseAttempt();
    throw error;
  }
}

function createRoutedCall(base: CallBase, attempt: RouteAttempt, attemptNumber: number): RoutedCall {
  const adapter = base.app.outbound[attempt.endpoint.provider.protocol];
  if (adapter === undefined) {
    throw new GatewayError({
      code: 'no_available_provider',
      message: `Provider ${attempt.endpoint.provider.id} speaks ${attempt.endpoint.provider.protocol}, which this gateway cannot call.`,
    });
  }
  return {
    app: base.app,
    call: base.call,
    inbound: base.inbound,
    adapter,
    request: base.request,
    warnings: [...base.warnings],
    model: attempt.model,
    endpoint: attempt.endpoint,
    generationId: base.generationId,
    abort: new CallAbort(),
    response: base.response,
    attemptNumber,
    attemptStartedAtMs: base.app.now(),
    onCommit: () => undefined,
    money: base.money,
    failedAttemptCosts: base.failedAttemptCosts,
    cache: base.cache,
    callSpan: base.span,
    attemptSpan: startAttemptSpan(base.span, {
      providerId: attempt.endpoint.provider.id,
      baseUrl: attempt.endpoint.provider.baseUrl,
      upstreamModel: attempt.endpoint.upstreamModel,
      modelId: attempt.model.id,
      maxOutputTokens: base.request.maxOutputTokens,
      attemptNumber,
    }),
  };
}

/**
 * One attempt under the call's deadline: the deadline aborts it unless it already
 * committed (a stream that started may run past it; idle timeouts still bound it).
 */
async function runOneAttempt(routed: RoutedCall, deadlineAtMs: number): Promise<CallOutcome> {
  const remainingMs = Math.max(1, deadlineAtMs - routed.app.now());
  let isCommitted = false;
  const timer = setTimeout(() => {
    if (!isCommitted) routed.abort.abort(deadlineError(routed));
  }, remainingMs);
  timer.unref();
  const withCommit: RoutedCall = {
    ...routed,
    onCommit: () => {
      isCommitted = true;
      clearTimeout(timer);
    },
  };
  try {
    const sent = sendUpstream(withCommit, remainingMs);
    const kit = routed.request.stream ? prepareWhileSent(withCommit, sent) : undefined;
    const upstreamResponse = await sent;
    return await (kit !== undefined
      ? streamModelCall(withCommit, upstreamResponse, kit)
      : completeModelCall(withCommit, upstreamResponse));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A stream's parts made while its request is on its way (the event loop would idle until the upstream's headers). Should
 * making them fail, the request is aborted and its promise settled quietly, so nothing is left running or unawaited.
 */
export function prepareWhileSent(routed: RoutedCall, sent: Promise<UpstreamResponse>): StreamKit {
  try {
    return prepareStream(routed);
  } catch (error) {
    routed.abort.abort(toGatewayError(error));
    sent.catch(() => undefined);
    throw error;
  }
}

/** Builds the upstream request (collecting the adapter's warnings) and sends it. */
function sendUpstream(routed: RoutedCall, remainingMs: number): Promise<UpstreamResponse> {
  const { endpoint, adapter } = routed;
  const upstreamRequest = adapter.buildRequest(routed.request, endpoint);
  if (upstreamRequest.warnings !== undefined) routed.warnings.push(...upstreamRequest.warnings);
  // A stream's headers come at once; a JSON answer's come when the whole generation is done.
  const headersTimeoutMs = routed.request.stream
    ? Math.min(routed.app.upstream.firstByteTimeoutMs(endpoint.provider), remainingMs)
    : remainingMs;
  return sendUpstreamRequest(routed.app, {
    endpoint,
    upstreamRequest,
    abort: routed.abort,
    adapter,
    timing: { headersTimeoutMs },
  });
}

function attemptError(error: unknown, routed: RoutedCall, deadlineAtMs: number): GatewayError {
  const reason = routed.abort.reason;
  if (routed.abort.aborted && reason instanceof GatewayError) return reason;
  if (routed.app.now() >= deadlineAtMs && !routed.response.headersSent) return deadlineError(routed);
  return toGatewayError(error);
}

function deadlineError(routed: RoutedCall): GatewayError {
  return new GatewayError({
    code: 'upstream_timeout',
    message: `No provider answered within the call's deadline (${routed.app.routingDeadlineMs} ms).`,
  });
}

/** After a context-length error only an endpoint with a larger window is worth trying. */
function isWorthTrying(attempt: RouteAttempt, lastError: GatewayError, lastRouted: RoutedCall | undefined): boolean {
  if (lastError.code !== 'context_length_exceeded' || lastRouted === undefined) return true;
  return attempt.endpoint.contextLength > lastRouted.endpoint.contextLength;
}

/**
 * The error of an unavailable candidate: resting after a Retry-After (a provider's own, or one another cluster node
 * announced) is 429, its circuit not closed (open, or half-open with its probe in flight) 503, each with the time left.
 */
export function unavailable(attempt: RouteAttempt, health: EndpointHealthSnapshot, nowMs: number): GatewayError {
  const provider = attempt.endpoint.provider.id;
  const until = health.unavailableUntilMs;
  // A half-open circuit lets one probe through; the calls beside it may try again in a second.
  const untilMs = until ?? (health.circuit === 'half-open' ? nowMs + 1_000 : undefined);
  const retryAfterSeconds = untilMs === undefined ? undefined : Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
  const messages: Record<EndpointHealthSnapshot['circuit'], string> = {
    closed: `Provider ${provider} is resting (it asked for a pause with Retry-After, or another node of the cluster found it failing); no other endpoint could serve.`,
    open: `Provider ${provider} is failing (circuit open); no other endpoint could serve.`,
    'half-open': `Provider ${provider} is recovering (circuit half-open: one probe call is testing it); no other endpoint could serve.`,
  };
  return new GatewayError({
    code: health.circuit === 'closed' ? 'upstream_rate_limited' : 'no_available_provider',
    message: messages[health.circuit],
    // An outage: the same request may be served once the endpoint recovers (no `x-should-retry: false`).
    isRetryable: true,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/** No attempt was made (every candidate skipped, or the deadline passed first): the same request may fare better later. */
export function nothingTried(): GatewayError {
  return new GatewayError({ code: 'no_available_provider', message: 'No endpoint could be tried.', isRetryable: true });
}

/**
 * Of two unavailable candidates' errors, the one with the shorter wait (the first on a tie, in plan order): a client
 * told to come back when the first candidate is free would wait past the moment another one is.
 */
export function soonerAvailable(current: GatewayError | undefined, next: GatewayError): GatewayError {
  if (current === undefined) return next;
  const wait = (error: GatewayError) => error.retryAfterSeconds ?? Number.POSITIVE_INFINITY;
  return wait(next) < wait(current) ? next : current;
}

/** A failed attempt's health sample, with the provider's Retry-After when it gave one. */
export function failureSample(
  nowMs: number,
  kind: NonNullable<ReturnType<typeof classifyFailure>>,
  error: GatewayError,
) {
  return error.retryAfterSeconds === undefined
    ? { nowMs, kind }
    : { nowMs, kind, retryAfterMs: error.retryAfterSeconds * 1000 };
}
