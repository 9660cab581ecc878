import { strict as assert } from 'node:assert';
import { createCallbackMetric } from './create-callback-metric.js';
import type { BigintCounterOptions, Counter } from './create-counter.js';
import { createBigintCounter, createNumberCounter } from './create-counter.js';
import type { Gauge } from './create-gauge.js';
import { createGauge } from './create-gauge.js';
import type { Histogram, HistogramOptions } from './create-histogram.js';
import { createHistogram } from './create-histogram.js';
import { escapeHelp } from './exposition-format.js';
import type { CallbackMetricOptions, MetricFamily, MetricOptions } from './metric-types.js';

export interface FoldedSeries {
  readonly metric: string;
  /** Lookups folded into `other` (or callback rows dropped) since start. */
  readonly count: number;
}

/**
 * The metrics of one process, rendered on demand in Prometheus text format 0.0.4. Names, label names and
 * buckets are checked when a metric is created (a bad one is a bug found at start-up); recording never throws.
 */
export interface MetricsRegistry {
  createCounter<const Names extends readonly string[]>(options: MetricOptions<Names>): Counter<Names>;
  /** A counter of bigints, exposed as an exact fixed-point decimal (nano-USD with `decimals: 9` → USD). */
  createBigintCounter<const Names extends readonly string[]>(
    options: BigintCounterOptions<Names>,
  ): Counter<Names, bigint>;
  createGauge<const Names extends readonly string[]>(options: MetricOptions<Names>): Gauge<Names>;
  createHistogram<const Names extends readonly string[]>(options: HistogramOptions<Names>): Histogram<Names>;
  /** A gauge read from `collect` at scrape time. */
  registerCallbackGauge<const Names extends readonly string[]>(options: CallbackMetricOptions<Names>): void;
  /** A counter kept by someone else (only ever growing), read from `collect` at scrape time. */
  registerCallbackCounter<const Names extends readonly string[]>(options: CallbackMetricOptions<Names>): void;
  /**
   * Runs `hook` at the start of every render, before any callback: for a collector that samples several
   * metrics at once (event-loop percentiles from one histogram) and must read them from the same window.
   */
  addScrapeHook(hook: () => void): void;
  /** The whole page: metrics sorted by name, series by label values, one trailing newline. */
  render(): string;
  /** Metrics whose series cap has refused label combinations, for a self-monitoring metric. */
  listFoldedSeries(): FoldedSeries[];
}

export interface MetricsRegistryOptions {
  /** Told when a scrape-time callback or hook throws (its metric renders no samples); ignored by default. */
  readonly onCollectError?: (metricName: string, error: unknown) => void;
}

/** Creates an empty registry; no global default registry exists, so tests and processes never share state. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const onCollectError = options.onCollectError ?? (() => undefined);
  const families: MetricFamily[] = [];
  const sampleNames = new Set<string>();
  const scrapeHooks: (() => void)[] = [];

  function add<Family extends MetricFamily>(family: Family): Family {
    for (const sampleName of family.sampleNames) {
      assert(!sampleNames.has(sampleName), `metric ${family.name} collides with an existing sample name ${sampleName}`);
    }
    for (const sampleName of family.sampleNames) sampleNames.add(sampleName);
    families.push(family);
    families.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    return family;
  }

  return {
    createCounter: (counterOptions) => add(createNumberCounter(counterOptions)),
    createBigintCounter: (counterOptions) => add(createBigintCounter(counterOptions)),
    createGauge: (gaugeOptions) => add(createGauge(gaugeOptions)),
    createHistogram: (histogramOptions) => add(createHistogram(histogramOptions)),
    registerCallbackGauge: (callbackOptions) => {
      add(createCallbackMetric({ ...callbackOptions, type: 'gauge', onCollectError }));
    },
    registerCallbackCounter: (callbackOptions) => {
      add(createCallbackMetric({ ...callbackOptions, type: 'counter', onCollectError }));
    },
    addScrapeHook: (hook) => {
      scrapeHooks.push(hook);
    },
    render: () => {
      for (const hook of scrapeHooks) {
        try {
          hook();
        } catch (error) {
          onCollectError('scrape hook', error);
        }
      }
      const lines: string[] = [];
      for (const family of families) {
        lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
        family.renderSamples(lines);
      }
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
    listFoldedSeries: () =>
      families
        .map((family) => ({ metric: family.name, count: family.foldedCount() }))
        .filter((entry) => entry.count > 0),
  };
}
