export { createLogger } from './create-logger.js';
export type { Logger, LogLevel } from './create-logger.js';
export {
  createGatewayMetrics,
  createMetricsRegistry,
  metricsContentType,
  registerProcessMetrics,
} from './metrics/index.js';
export type { GatewayMetrics, MetricsRegistry, MetricsRoute } from './metrics/index.js';
