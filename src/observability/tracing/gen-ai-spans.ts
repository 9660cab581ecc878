import type { SpanAttributes, TraceSpan } from './start-span.js';
import { isTracingEnabled, noopTraceSpan, startSpan } from './start-span.js';

/**
 * The model-call span tree, named and attributed by the OpenTelemetry GenAI semantic conventions:
 *
 *   chat <client model>        SERVER    one per model call (the gateway's own operation)
 *   ├─ chat <upstream model>   CLIENT    one per upstream attempt (fallbacks are siblings)
 *   └─ meridian.settle         INTERNAL  metering, the charge and the generation record's commit
 *
 * Only ids, names, counts, codes and money: never prompts, completions, headers, URLs' paths or keys.
 */
export const genAiOperation = 'chat';

/** What the call span knows when the request is parsed. */
export interface CallSpanInput {
  /** The model string as the client sent it (an alias, `:floor`, a fallback list's first…). */
  readonly model: string;
  readonly maxOutputTokens: number | undefined;
  readonly isStreaming: boolean;
  readonly requestId: string;
}

export function startCallSpan(input: CallSpanInput): TraceSpan {
  // Off, the call costs this one check: no name, no attributes built.
  if (!isTracingEnabled()) return noopTraceSpan;
  return startSpan(
    `${genAiOperation} ${input.model}`,
    {
      'gen_ai.operation.name': genAiOperation,
      'gen_ai.request.model': input.model,
      'gen_ai.request.max_tokens': input.maxOutputTokens,
      'meridian.request_id': input.requestId,
      'meridian.streaming': input.isStreaming,
    },
    { kind: 'server' },
  );
}

/** One upstream attempt: which provider, which upstream model, where. */
export interface AttemptSpanInput {
  readonly providerId: string;
  readonly baseUrl: string;
  readonly upstreamModel: string;
  /** The catalog model this attempt serves (a fallback may serve another than the first). */
  readonly modelId: string;
  /** As sent upstream (admission may have lowered the client's). */
  readonly maxOutputTokens: number | undefined;
  /** 1 for the first attempt, 2 for the first fallback, … */
  readonly attemptNumber: number;
}

export function startAttemptSpan(parent: TraceSpan, input: AttemptSpanInput): TraceSpan {
  if (!parent.isRecording) return noopTraceSpan;
  return startSpan(
    `${genAiOperation} ${input.upstreamModel}`,
    {
      'gen_ai.operation.name': genAiOperation,
      'gen_ai.provider.name': input.providerId,
      'gen_ai.request.model': input.upstreamModel,
      'gen_ai.request.max_tokens': input.maxOutputTokens,
      ...describeServer(input.baseUrl),
      'meridian.model': input.modelId,
      'meridian.attempt': input.attemptNumber,
    },
    { kind: 'client', parent },
  );
}

/** The spans a settlement writes to: the call's, and the serving attempt's while it is still open. */
export interface SettlementSpans {
  readonly call: TraceSpan;
  readonly attempt: TraceSpan | undefined;
}

/** The settled generation, as the record has it (`GenerationRecord` fits). */
export interface SettledGeneration {
  readonly id: string;
  readonly modelId: string;
  readonly providerId: string;
  readonly upstreamId: string | null;
  /** Null on records that carry no count (embeddings' completion). */
  readonly tokensInputTotal: number | null;
  readonly tokensOutputTotal: number | null;
  readonly isUsageEstimated: boolean;
  readonly finishReason: string | null;
  readonly ending: string;
  readonly errorCode: string | null;
}

/**
 * Starts the settlement span and writes the outcome to the call and attempt spans: ids, finish reason, usage
 * (on the GenAI spans only when the provider reported it) and, unless the client left, the error code.
 */
export function startSettlementSpan(spans: SettlementSpans | undefined, settled: SettledGeneration): TraceSpan {
  if (spans === undefined || !spans.call.isRecording) return noopTraceSpan;
  const finishReasons = settled.finishReason === null ? undefined : [settled.finishReason];
  const usage: SpanAttributes = {
    'gen_ai.usage.input_tokens': settled.tokensInputTotal ?? undefined,
    'gen_ai.usage.output_tokens': settled.tokensOutputTotal ?? undefined,
  };
  const reported = settled.isUsageEstimated ? {} : usage;
  spans.call.setAttributes({
    'gen_ai.provider.name': settled.providerId,
    'gen_ai.response.model': settled.modelId,
    'gen_ai.response.id': settled.id,
    'gen_ai.response.finish_reasons': finishReasons,
    ...reported,
    'meridian.ending': settled.ending,
  });
  // No `gen_ai.response.model` here: the canonical result does not keep the model name the upstream echoed, and
  // the one asked for is already `gen_ai.request.model` (unknown is not the same as "as requested").
  spans.attempt?.setAttributes({
    'gen_ai.response.id': settled.upstreamId ?? undefined,
    'gen_ai.response.finish_reasons': finishReasons,
    ...reported,
    'meridian.ending': settled.ending,
  });
  if (settled.errorCode !== null && settled.ending !== 'client_abort') {
    spans.call.recordError(settled.errorCode);
    spans.attempt?.recordError(settled.errorCode);
  }
  return startSpan(
    'meridian.settle',
    {
      ...usage,
      'meridian.usage_estimated': settled.isUsageEstimated,
      'meridian.ending': settled.ending,
      'meridian.generation_id': settled.id,
    },
    { parent: spans.call },
  );
}

/** Ends the settlement span with what the ledger actually charged (after the record's commit). */
export function endSettlementSpan(span: TraceSpan, charged: { readonly costNanos: bigint } | undefined): void {
  if (span.isRecording && charged !== undefined)
    span.setAttributes({ 'meridian.charge_nanos': toSpanInteger(charged.costNanos) });
  span.end();
}

/** An exact integer attribute: a number while it is exact (2^53 nano-USD is 9 million USD), else decimal text. */
export function toSpanInteger(value: bigint): number | string {
  return value <= safeIntegerMax && value >= -safeIntegerMax ? Number(value) : value.toString();
}
const safeIntegerMax = BigInt(Number.MAX_SAFE_INTEGER);

/** Providers' hosts are few; a base URL is parsed once. */
const serversByBaseUrl = new Map<string, SpanAttributes>();
/** Bound on that cache (providers created through the API could otherwise grow it without end). */
const serversCachedMax = 1_000;

/** `server.address` and `server.port` of a provider's base URL: the host only, never userinfo, path or query. */
export function describeServer(baseUrl: string): SpanAttributes {
  const cached = serversByBaseUrl.get(baseUrl);
  if (cached !== undefined) return cached;
  let server: SpanAttributes = {};
  try {
    const url = new URL(baseUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    server = { 'server.address': url.hostname.replace(/^\[|\]$/g, ''), 'server.port': port };
  } catch {
    // An unparsable base URL fails the attempt itself; the span just goes without a server.
  }
  if (serversByBaseUrl.size >= serversCachedMax) serversByBaseUrl.clear();
  serversByBaseUrl.set(baseUrl, server);
  return server;
}
