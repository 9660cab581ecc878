export { isTracingEnabled, noopTraceSpan, setTracerProvider, startSpan, tracerName } from './start-span.js';
export type { SpanAttributes, SpanAttributeValue, SpanKindName, TraceSpan } from './start-span.js';
export {
  describeServer,
  endSettlementSpan,
  genAiOperation,
  startAttemptSpan,
  startCallSpan,
  startSettlementSpan,
  toSpanInteger,
} from './gen-ai-spans.js';
export type { AttemptSpanInput, CallSpanInput, SettledGeneration, SettlementSpans } from './gen-ai-spans.js';
export { resolveTracesConfig, serviceNameDefault } from './resolve-traces-config.js';
export type { TracesFileConfig, TracesSettings } from './resolve-traces-config.js';
export { startTracing, traceShutdownTimeoutMs } from './start-tracing.js';
export type { Tracing } from './start-tracing.js';
export { describeEmbeddingsCall, embeddingsOperation, startEmbeddingsSpan } from './embeddings-span.js';
