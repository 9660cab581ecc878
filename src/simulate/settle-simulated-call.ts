import type { Catalog, Endpoint, Model } from '../catalog/index.js';
import type { HealthView } from '../health/index.js';
import { dearestPrices, holdCost, sizeTokens } from '../http/size-hold.js';
import { createDeliveredOutput, settleGeneration } from '../http/settle-generation.js';
import type { PlaceHoldInput } from '../ledger/index.js';
import { currentLimitWindowStartMs } from '../limits/index.js';
import { planRoute } from '../routing/index.js';
import type { ChatRequest, Usage } from '../spec/index.js';
import type { GenerationRecord, KeyRecord } from '../storage/index.js';
import type { SimulatedCall } from './create-week-traffic.js';

/** What routing and admission need, shared by every call of a run. */
export interface SimulationContext {
  readonly catalog: Catalog;
  /** Never fed: every endpoint stays healthy, so routing weighs by price alone. */
  readonly health: HealthView;
  /** Seeded: the router's weighted choice among a model's endpoints is part of the reproducible run. */
  readonly routeRandom: () => number;
  readonly keysByName: ReadonlyMap<string, KeyRecord>;
  readonly markupByOrg: ReadonlyMap<string, number>;
  readonly holdTtlMs: number;
}

/** A call routed and sized: the hold admission asks for, and what settlement needs afterwards. */
export interface SizedCall {
  readonly call: SimulatedCall;
  readonly request: ChatRequest;
  readonly model: Model;
  readonly endpoint: Endpoint;
  readonly markupBasisPoints: number;
  readonly hold: PlaceHoldInput;
}

const placeholderText = 'Simulated request (meridian simulate): the prompt is not kept, only its token counts.';

/**
 * Routes the call as the pipeline does (`planRoute`: the requested model's endpoints weighted by price) and sizes
 * its hold with admission's own functions (prompt with headroom at the dearest cache-write price of the plan, plus
 * the whole `max_tokens`, or the endpoint's bound when absent, at the dearest output price), at its start time.
 */
export function sizeSimulatedCall(context: SimulationContext, call: SimulatedCall): SizedCall {
  const key = context.keysByName.get(call.keyName);
  if (key === undefined) throw new Error(`simulate: no key named '${call.keyName}'`);
  const markupBasisPoints = context.markupByOrg.get(key.orgId) ?? 0;
  const request: ChatRequest = {
    model: call.model.id,
    messages: [{ role: 'user', content: [{ type: 'text', text: placeholderText }] }],
    stream: call.isStreaming,
    includeUsage: call.isStreaming,
    maxOutputTokens: call.maxOutputTokens,
    routingControls: {},
    passthrough: { protocol: 'openai-chat', fields: {} },
  };
  const plan = planRoute({
    catalog: context.catalog,
    model: call.model.id,
    controls: { fallbackModels: [], provider: { allowFallbacks: true, requireParameters: false } },
    usedParameters: new Set(),
    promptTokensEstimate: call.promptTokens,
    maxOutputTokens: call.maxOutputTokens,
    nowMs: call.startedAtMs,
    health: context.health,
    random: context.routeRandom,
  });
  const serving = plan.attempts[0]!;
  const tokens = sizeTokens(plan, call.promptTokens, call.maxOutputTokens);
  const sizing = { ...tokens, choiceCount: 1, prices: dearestPrices(plan, call.startedAtMs), markupBasisPoints };
  const hold: PlaceHoldInput = {
    requestId: call.generationId,
    orgId: key.orgId,
    keyId: key.id,
    amountMax: holdCost(sizing, tokens.outputTokensMax),
    amountMin: holdCost(sizing, 1),
    keyLimit:
      key.limitNanos === null
        ? undefined
        : { limitNanos: key.limitNanos, windowStartMs: currentLimitWindowStartMs(key.limitReset, call.startedAtMs) },
    nowMs: call.startedAtMs,
    ttlMs: context.holdTtlMs,
  };
  return { call, request, model: serving.model, endpoint: serving.endpoint, markupBasisPoints, hold };
}

/**
 * The usage as the serving provider reports it: cache reads only where the endpoint prices them (a provider
 * without prompt caching reports none), cache writes and reasoning only where the model has them; unknown stays
 * undefined, never 0.
 */
function convertUsage(sized: SizedCall): Usage | undefined {
  const { call, endpoint } = sized;
  const tokens = call.tokens;
  if (tokens === undefined) return undefined;
  const cacheRead = endpoint.prices.cacheReadNanosPerMillion === undefined ? undefined : tokens.cacheRead;
  const cacheWrite = call.model.reportsCacheWrites ? tokens.cacheWrite : undefined;
  return {
    inputTokens: {
      total: tokens.prompt,
      noCache: tokens.prompt - (cacheRead ?? 0) - (cacheWrite ?? 0),
      cacheRead,
      cacheWrite,
    },
    outputTokens: {
      total: tokens.output,
      text: tokens.output - tokens.reasoning,
      reasoning: call.model.isReasoning ? tokens.reasoning : undefined,
    },
    isEstimated: call.isUsageEstimated,
  };
}

/**
 * Settles a call through the pipeline's own settlement (`settleGeneration`: metering at the endpoint's prices in
 * force at the call's start, the charge-per-ending policy, the record and its ledger settlement), with the clock
 * set to the call's end.
 */
export function settleSimulatedCall(sized: SizedCall, holdNanos: bigint): GenerationRecord {
  const { call } = sized;
  const { record } = settleGeneration(
    { now: () => call.startedAtMs + call.latencyMs },
    {
      call: {
        requestId: call.requestId,
        startedAtMs: call.startedAtMs,
        orgId: sized.hold.orgId,
        keyId: sized.hold.keyId,
        appReferer: call.app.referer,
        appTitle: call.app.title,
      },
      request: sized.request,
      model: sized.model,
      endpoint: sized.endpoint,
      generationId: call.generationId,
      upstreamId: undefined,
      usage: convertUsage(sized),
      delivered: createDeliveredOutput(),
      finishReason:
        call.finishReason === undefined
          ? undefined
          : {
              unified: call.finishReason,
              raw: call.finishReason === 'error' ? call.errorCode : rawReasons[call.finishReason],
            },
      ending: call.ending,
      errorCode: call.errorCode,
      firstOutputAtMs: call.ttftMs === undefined ? undefined : call.startedAtMs + call.ttftMs,
      money: { holdNanos, markupBasisPoints: sized.markupBasisPoints },
      attemptNumber: 1,
    },
  );
  return record;
}

/** The OpenAI wire names of the unified finish reasons a simulated call ends with. */
const rawReasons = { stop: 'stop', 'tool-calls': 'tool_calls', length: 'length' } as const;
