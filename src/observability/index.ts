export { createLogger } from './create-logger.js';
export type { Logger, LoggerOptions, LogLevel } from './create-logger.js';
export {
  createGatewayMetrics,
  createMetricsRegistry,
  metricsContentType,
  registerProcessMetrics,
} from './metrics/index.js';
export type { GatewayMetrics, MetricsRegistry, MetricsRoute } from './metrics/index.js';
export {
  describeEmbeddingsCall,
  startEmbeddingsSpan,
  endSettlementSpan,
  resolveTracesConfig,
  startAttemptSpan,
  startCallSpan,
  startSettlementSpan,
  startTracing,
} from './tracing/index.js';
export type { SettlementSpans, TraceSpan, TracesFileConfig, Tracing } from './tracing/index.js';
