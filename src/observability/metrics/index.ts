export { createMetricsRegistry } from './create-metrics-registry.js';
export type { FoldedSeries, MetricsRegistry, MetricsRegistryOptions } from './create-metrics-registry.js';
export type { BigintCounterOptions, Counter, CounterChild } from './create-counter.js';
export type { Gauge, GaugeChild } from './create-gauge.js';
export type { Histogram, HistogramChild, HistogramOptions } from './create-histogram.js';
export type { CallbackMetricOptions, CallbackRow, LabelValues, MetricOptions } from './metric-types.js';
export { metricsContentType } from './exposition-format.js';
export { labelValueLengthMax, overflowLabelValue, seriesCountMaxDefault } from './series-table.js';
export { registerProcessMetrics } from './register-process-metrics.js';
export type { ProcessMetricsHandle, ProcessMetricsOptions } from './register-process-metrics.js';
export { createGatewayMetrics } from './create-gateway-metrics.js';
export type {
  CircuitStateName,
  GatewayMetrics,
  GatewayMetricSources,
  MetricsRoute,
  RequestSample,
  UsageLabels,
  UsageSample,
} from './create-gateway-metrics.js';
