import type { FailureKind, HealthTracker } from '../health/index.js';
import { createGatewayMetrics, createMetricsRegistry, registerProcessMetrics } from '../observability/index.js';
import type { GatewayMetrics, Logger, MetricsRegistry } from '../observability/index.js';
import type { GenerationRecord, GenerationWriter, ServingStorage } from '../storage/index.js';

/** Failure classes on `meridian_upstream_errors_total`, by the health tracker's failure kinds. */
const failureClasses: Readonly<Record<FailureKind, string>> = {
  'rate-limited': 'http_429',
  'server-error': 'http_5xx',
  timeout: 'timeout',
  connection: 'connect',
  'invalid-response': 'malformed',
  'stream-error': 'reset',
};

export interface GatewayObservability {
  readonly registry: MetricsRegistry;
  readonly metrics: GatewayMetrics;
  /** Counts tokens and spend of every stored record: exactly what the ledger charged. */
  meterWriter(writer: GenerationWriter): GenerationWriter;
  /** Counts every failed upstream attempt the health tracker hears of. */
  meterHealth(health: HealthTracker): HealthTracker;
  stop(): void;
}

/** The node's metrics: process collectors, the gateway set, and hooks on the writer and the health tracker. */
export function createGatewayObservability(input: {
  readonly log: Logger;
  readonly storage: ServingStorage;
}): GatewayObservability {
  const registry = createMetricsRegistry({
    onCollectError: (metric, error) => input.log.warn('metrics_collect_failed', { metric, error: String(error) }),
  });
  const processMetrics = registerProcessMetrics(registry);
  const metrics = createGatewayMetrics(registry);
  metrics.connect({ holdsInFlight: createHoldsGauge(input.storage, input.log) });
  const recordUsage = (record: GenerationRecord): void => meterStoredRecord(metrics, record);
  return {
    registry,
    metrics,
    meterWriter: (writer) => {
      metrics.connect({ generationQueueDepth: () => writer.pendingCount });
      return {
        write: (record) =>
          writer.write(record).then((stored) => {
            recordUsage(stored);
            return stored;
          }),
        flush: () => writer.flush(),
        get pendingCount() {
          return writer.pendingCount;
        },
      };
    },
    meterHealth: (health) => ({
      ...health,
      recordFailure: (key, sample) => {
        metrics.recordUpstreamError(key.slice(0, key.indexOf('/')), failureClasses[sample.kind]);
        health.recordFailure(key, sample);
      },
    }),
    stop: () => processMetrics.stop(),
  };
}

/**
 * `meridian_holds_in_flight`: read at each scrape. From SQLite the count is immediate; from PostgreSQL (a round trip
 * per scrape) the gauge shows the answer of the previous scrape while the next one is read, one read at a time.
 */
function createHoldsGauge(storage: ServingStorage, log: Logger): () => number {
  let lastCount = 0;
  let isReading = false;
  return () => {
    if (isReading) return lastCount;
    const holds = storage.ledger.activeHolds();
    if (!(holds instanceof Promise)) return holds.length;
    isReading = true;
    holds.then(
      (read) => {
        lastCount = read.length;
        isReading = false;
      },
      (error: unknown) => {
        isReading = false;
        log.warn('holds_gauge_failed', { error: String(error) });
      },
    );
    return lastCount;
  };
}

/** Adds one stored record's tokens and spend (what the ledger actually charged) to the metrics. */
export function meterStoredRecord(metrics: Pick<GatewayMetrics, 'recordUsage'>, record: GenerationRecord): void {
  // An answer from the response cache used no model tokens and was charged nothing, as in the barometer.
  if (record.ending === 'cache') return;
  metrics.recordUsage(
    { model: record.modelId, provider: record.providerId, origin: record.origin },
    {
      promptTokens: record.tokensInputTotal ?? 0,
      completionTokens: record.tokensOutputTotal ?? 0,
      reasoningTokens: record.tokensOutputReasoning ?? 0,
      cachedTokens: record.tokensInputCacheRead ?? 0,
      cacheWriteTokens: record.tokensInputCacheWrite ?? 0,
      costNanos: record.costNanos,
    },
  );
}
