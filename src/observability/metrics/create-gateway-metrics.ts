import type { MetricsRegistry } from './create-metrics-registry.js';

/** The inference routes a request is counted under (`/v1/chat/completions` is `chat`). */
export type MetricsRoute = 'chat' | 'completions' | 'messages' | 'embeddings' | 'count_tokens' | 'responses';

/** One finished client request, recorded once, when its response (or stream) has ended. */
export interface RequestSample {
  readonly route: MetricsRoute;
  /** Public model slug; undefined when the request ended before a model was resolved (bad key, bad body). */
  readonly model: string | undefined;
  /** Provider of the attempt that answered; undefined when none did. */
  readonly provider: string | undefined;
  /** ISO country of the model's author (the catalog's `origin`); undefined with the model. */
  readonly origin: string | undefined;
  /** The HTTP status sent to the client (a stream that failed after output still sent 200). */
  readonly statusCode: number;
  /** How it ended: the generation `Ending` (`success`, `no_output`, `upstream_error_after_output`, `client_abort`, `error`, `cache`). */
  readonly ending: string;
  /** From the request's arrival to its last byte, in milliseconds. */
  readonly durationMs: number;
  /** From the request's arrival to the first output byte of a stream; undefined for JSON answers and silent streams. */
  readonly ttftMs: number | undefined;
}

/** Metered usage of one generation; `BilledUsage` from the spec fits as is. */
export interface UsageSample {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly cachedTokens: number;
  readonly cacheWriteTokens: number;
  /** What the key was charged, in nano-USD. */
  readonly costNanos: bigint;
}

export type CircuitStateName = 'closed' | 'half-open' | 'open';

/** State that lives in other modules, read when `/metrics` is scraped. Each may be connected later, or never. */
export interface GatewayMetricSources {
  /** Every endpoint's breaker (`provider/upstream-model` → state). */
  readonly circuitStates: () => Iterable<{ readonly endpoint: string; readonly state: CircuitStateName }>;
  /** Ledger holds placed and not yet posted or voided. */
  readonly holdsInFlight: () => number;
  /** Generation records waiting for the writer's next group commit. */
  readonly generationQueueDepth: () => number;
  /** Rate-limit decisions taken by the degraded local limits while Redis was unusable (cluster mode). */
  readonly degradedRateDecisions: () => number;
  /** Lookups and stores of the shared response cache that failed on Redis (cluster mode). */
  readonly sharedCacheFailures: () => number;
  /** Generation records (with their settlements) in this node's journal, not yet in PostgreSQL (cluster mode). */
  readonly journalDepth: () => number;
  /** Generation records whose commit failed on an unwritable database, waiting to be written again (embedded mode). */
  readonly retainedRecords: () => number;
}

/** The gateway's metric set, as the pipeline calls it. No call throws; unknown label values become `""`. */
export interface GatewayMetrics {
  /** Counts the request and observes its duration (and TTFT when the stream produced output). */
  recordRequest(sample: RequestSample): void;
  /** Adds a generation's tokens by kind and its spend. */
  recordUsage(labels: UsageLabels, usage: UsageSample): void;
  /** One failed upstream attempt, by provider and failure class (`timeout`, `connect`, `http_5xx`, `http_429`, `reset`, `malformed`). */
  recordUpstreamError(provider: string, failureClass: string): void;
  /** One request refused by a rate limit or budget, by reason (`requests`, `tokens`, `concurrency`, …). */
  recordRateLimitRefusal(reason: string): void;
  /** Marks a component degraded (1) or healthy (0): the generation journal, Redis, the price catalog. */
  setDegraded(component: string, isDegraded: boolean): void;
  /** Connects scrape-time sources; later calls replace only the sources they name. */
  connect(sources: Partial<GatewayMetricSources>): void;
}

export interface UsageLabels {
  readonly model: string;
  readonly provider: string;
  readonly origin: string;
}

/**
 * Latency buckets in milliseconds (rendered in seconds). Whole requests include long streams, hence up to 5 min;
 * time to first token beyond a minute is a failure in all but name, hence up to 60 s.
 */
const durationBucketsMs = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000];
const ttftBucketsMs = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

/**
 * Series caps per metric. Requests carry six labels, but most combinations never occur (an ending implies its
 * status class), so 4,000 covers a few hundred models on a few providers; histograms are labelled by route and
 * provider only (17 lines per series; per-model latency is on the endpoints API), so 200 is ample.
 */
const seriesCountMax = {
  requests: 4_000,
  tokens: 4_000,
  spend: 2_000,
  endpoints: 2_000,
  latency: 200,
  small: 500,
} as const;

const circuitStateValues: Readonly<Record<CircuitStateName, number>> = { closed: 0, 'half-open': 1, open: 2 };
const statusClasses = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Registers Meridian's metrics on `registry` and returns the calls the pipeline makes. Spend is exposed as
 * `meridian_spend_usd_total` in USD (Prometheus wants base units), rendered exactly from bigint nano-USD with
 * nine decimals; the page then matches the ledger digit for digit, though Prometheus itself stores a float.
 */
export function createGatewayMetrics(registry: MetricsRegistry): GatewayMetrics {
  const requests = registry.createCounter({
    name: 'meridian_requests_total',
    help: 'Client requests finished, by route, model, provider, origin, status class and ending.',
    labelNames: ['route', 'model', 'provider', 'origin', 'status_class', 'ending'],
    seriesCountMax: seriesCountMax.requests,
  });
  const tokens = registry.createCounter({
    name: 'meridian_tokens_total',
    help: 'Tokens metered, by kind. reasoning is part of completion, cached and cache_write are part of prompt.',
    labelNames: ['model', 'provider', 'origin', 'kind'],
    seriesCountMax: seriesCountMax.tokens,
  });
  const spend = registry.createBigintCounter({
    name: 'meridian_spend_usd_total',
    help: 'USD charged to keys, exact to the nano-USD (the ledger unit).',
    labelNames: ['model', 'provider', 'origin'],
    decimals: 9,
    seriesCountMax: seriesCountMax.spend,
  });
  const duration = registry.createHistogram({
    name: 'meridian_request_duration_seconds',
    help: 'Time from request arrival to the last byte of the response or stream.',
    labelNames: ['route', 'provider'],
    buckets: durationBucketsMs,
    renderDivisor: 1000,
    seriesCountMax: seriesCountMax.latency,
  });
  const ttft = registry.createHistogram({
    name: 'meridian_time_to_first_token_seconds',
    help: 'Time from request arrival to the first output byte of a stream.',
    labelNames: ['route', 'provider'],
    buckets: ttftBucketsMs,
    renderDivisor: 1000,
    seriesCountMax: seriesCountMax.latency,
  });
  const upstreamErrors = registry.createCounter({
    name: 'meridian_upstream_errors_total',
    help: 'Failed upstream attempts, by provider and failure class.',
    labelNames: ['provider', 'class'],
    seriesCountMax: seriesCountMax.small,
  });
  const refusals = registry.createCounter({
    name: 'meridian_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit, by reason.',
    labelNames: ['reason'],
    seriesCountMax: seriesCountMax.small,
  });
  const degraded = registry.createGauge({
    name: 'meridian_degraded',
    help: '1 while a component runs in degraded mode, 0 when healthy.',
    labelNames: ['component'],
    seriesCountMax: seriesCountMax.small,
  });
  let sources: Partial<GatewayMetricSources> = {};
  registerSourceGauges(registry, () => sources);

  return {
    recordRequest: (sample) => {
      const provider = sample.provider ?? '';
      const statusClass = statusClasses[Math.floor(sample.statusCode / 100)] ?? 'other';
      requests
        .labels(sample.route, sample.model ?? '', provider, sample.origin ?? '', statusClass, sample.ending)
        .inc();
      duration.labels(sample.route, provider).observe(sample.durationMs);
      if (sample.ttftMs !== undefined) ttft.labels(sample.route, provider).observe(sample.ttftMs);
    },
    recordUsage: (labels, usage) => {
      const { model, provider, origin } = labels;
      tokens.labels(model, provider, origin, 'prompt').inc(usage.promptTokens);
      tokens.labels(model, provider, origin, 'completion').inc(usage.completionTokens);
      tokens.labels(model, provider, origin, 'reasoning').inc(usage.reasoningTokens);
      tokens.labels(model, provider, origin, 'cached').inc(usage.cachedTokens);
      tokens.labels(model, provider, origin, 'cache_write').inc(usage.cacheWriteTokens);
      spend.labels(model, provider, origin).inc(usage.costNanos);
    },
    recordUpstreamError: (provider, failureClass) => upstreamErrors.labels(provider, failureClass).inc(),
    recordRateLimitRefusal: (reason) => refusals.labels(reason).inc(),
    setDegraded: (component, isDegraded) => degraded.labels(component).set(isDegraded ? 1 : 0),
    connect: (update) => {
      sources = { ...sources, ...update };
    },
  };
}

/** Gauges read from connected sources at scrape time, plus the registry's own folded-series count. */
function registerSourceGauges(registry: MetricsRegistry, current: () => Partial<GatewayMetricSources>): void {
  registry.registerCallbackGauge({
    name: 'meridian_circuit_state',
    help: 'Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open.',
    labelNames: ['endpoint'],
    seriesCountMax: seriesCountMax.endpoints,
    collect: () => {
      const read = current().circuitStates;
      if (read === undefined) return [];
      return Array.from(read(), (entry) => ({
        labels: [entry.endpoint] as const,
        value: circuitStateValues[entry.state] ?? NaN,
      }));
    },
  });
  registry.registerCallbackGauge({
    name: 'meridian_holds_in_flight',
    help: 'Ledger holds placed and not yet posted or voided.',
    labelNames: [],
    collect: () => current().holdsInFlight?.() ?? [],
  });
  registry.registerCallbackGauge({
    name: 'meridian_journal_depth',
    help: 'Generation records and settlements journaled on this node, not yet written to PostgreSQL.',
    labelNames: [],
    collect: () => current().journalDepth?.() ?? [],
  });
  registry.registerCallbackGauge({
    name: 'meridian_retained_records',
    help: 'Generation records whose commit failed on an unwritable database, waiting to be written again.',
    labelNames: [],
    collect: () => current().retainedRecords?.() ?? [],
  });
  registry.registerCallbackGauge({
    name: 'meridian_generation_queue_depth',
    help: 'Generation records waiting for the next group commit.',
    labelNames: [],
    collect: () => current().generationQueueDepth?.() ?? [],
  });
  registry.registerCallbackCounter({
    name: 'meridian_rate_limit_degraded_decisions_total',
    help: 'Rate-limit decisions taken by local limits (limit ÷ live nodes) while Redis was unusable.',
    labelNames: [],
    collect: () => current().degradedRateDecisions?.() ?? [],
  });
  registry.registerCallbackCounter({
    name: 'meridian_response_cache_shared_failures_total',
    help: 'Lookups (answered as misses) and stores (dropped) of the shared response cache that failed on Redis.',
    labelNames: [],
    collect: () => current().sharedCacheFailures?.() ?? [],
  });
  registry.registerCallbackCounter({
    name: 'meridian_metric_series_folded_total',
    help: 'Label combinations refused by a metric series cap and counted under "other" instead.',
    labelNames: ['metric'],
    collect: () =>
      registry.listFoldedSeries().map((entry) => ({ labels: [entry.metric] as const, value: entry.count })),
  });
}
