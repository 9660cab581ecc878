import type { Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** OpenTelemetry attribute values this gateway records (never prompts, completions or secrets). */
export type SpanAttributeValue = string | number | boolean | string[];
/** `undefined` values are skipped: unknown is not zero. */
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

export type SpanKindName = 'server' | 'client' | 'internal';

/** One span of the request pipeline. A no-op (the same object every time) when tracing is off. */
export interface TraceSpan {
  /** False for the no-op span, so a caller can skip work that only feeds attributes. */
  readonly isRecording: boolean;
  setAttributes(attributes: SpanAttributes): void;
  /**
   * Marks the operation failed: `error.type` = the error code, status ERROR. Never the message: an upstream's
   * message can quote the prompt or the key it was sent.
   */
  recordError(errorType: string): void;
  end(): void;
}

/** The span of an untraced (or unsampled) call: every method does nothing. */
export const noopTraceSpan: TraceSpan = {
  isRecording: false,
  setAttributes: () => undefined,
  recordError: () => undefined,
  end: () => undefined,
};

class OtelTraceSpan implements TraceSpan {
  /** Decided by the sampler when the span starts; an unsampled call's children are the no-op span. */
  readonly isRecording: boolean;
  constructor(readonly span: Span) {
    this.isRecording = span.isRecording();
  }
  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }
  recordError(errorType: string): void {
    this.span.setAttribute('error.type', errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR });
  }
  end(): void {
    this.span.end();
  }
}

const spanKinds: Readonly<Record<SpanKindName, SpanKind>> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
};

/** Instrumentation scope name on every span. */
export const tracerName = 'meridian';

/** Set only while a provider is installed; until then every span is the shared no-op (no tracer call at all). */
let tracer: Tracer | undefined;

/** Installs the provider spans go to (`startTracing`, or a test's in-memory one); `undefined` turns tracing off. */
export function setTracerProvider(provider: TracerProvider | undefined): void {
  tracer = provider?.getTracer(tracerName);
}

/** Whether a provider is installed (callers skip building a span's name and attributes when not). */
export function isTracingEnabled(): boolean {
  return tracer !== undefined;
}

/**
 * Starts a span. With `parent`, a child of it (parents are passed explicitly: no context manager, no async-hook
 * cost); a child of a span that is not recording is the no-op span, so an unsampled call costs nothing further.
 */
export function startSpan(
  name: string,
  attributes: SpanAttributes,
  options: { readonly kind?: SpanKindName; readonly parent?: TraceSpan } = {},
): TraceSpan {
  if (tracer === undefined || (options.parent !== undefined && !options.parent.isRecording)) {
    return noopTraceSpan;
  }
  const active = context.active();
  const parentContext = options.parent instanceof OtelTraceSpan ? trace.setSpan(active, options.parent.span) : active;
  const span = tracer.startSpan(name, { kind: spanKinds[options.kind ?? 'internal'], attributes }, parentContext);
  return new OtelTraceSpan(span);
}
