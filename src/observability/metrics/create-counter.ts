import { strict as assert } from 'node:assert';
import { renderNumber, renderScaledBigint } from './exposition-format.js';
import { assertLabelNames, assertMetricName } from './metric-names.js';
import type { LabelValues, MetricFamily, MetricOptions } from './metric-types.js';
import { createSeriesTable, seriesCountMaxDefault } from './series-table.js';

export interface CounterChild<Amount extends number | bigint> {
  /**
   * Adds `amount` (default 1). A negative or NaN amount is ignored rather than thrown: a counter only goes up,
   * and a metrics call must never fail the request that made it.
   */
  inc(amount?: Amount): void;
}

export interface Counter<Names extends readonly string[], Amount extends number | bigint = number> {
  /** The series for these label values; keep the returned child to skip even the lookup. */
  labels(...values: LabelValues<Names>): CounterChild<Amount>;
}

export interface BigintCounterOptions<Names extends readonly string[]> extends MetricOptions<Names> {
  /**
   * The counted integer is in units of 10^-decimals of the exposed unit: spend counted in nano-USD with
   * `decimals: 9` is exposed in USD, rendered exactly (`12.000000001`), never through a float.
   */
  readonly decimals?: number;
}

class NumberCounterChild implements CounterChild<number> {
  value = 0;
  inc(amount = 1): void {
    if (amount >= 0) this.value += amount;
  }
}

class BigintCounterChild implements CounterChild<bigint> {
  value = 0n;
  inc(amount = 1n): void {
    if (amount >= 0n) this.value += amount;
  }
}

/** A counter of numbers (requests, tokens): exact while the total stays below 2^53. */
export function createNumberCounter<const Names extends readonly string[]>(
  options: MetricOptions<Names>,
): Counter<Names> & MetricFamily {
  assertCounterOptions(options);
  const table = createSeriesTable({
    labelNames: options.labelNames,
    seriesCountMax: options.seriesCountMax ?? seriesCountMaxDefault,
    createChild: () => new NumberCounterChild(),
  });
  return {
    name: options.name,
    help: options.help,
    type: 'counter',
    sampleNames: [options.name],
    labels: (...values) => table.get(values),
    renderSamples: (lines) => {
      for (const series of table.list())
        lines.push(`${options.name}${series.labelSet} ${renderNumber(series.child.value)}`);
    },
    foldedCount: () => table.foldedCount(),
  };
}

/** A counter of bigints (money in nano-units): exact at any size, rendered as a fixed-point decimal. */
export function createBigintCounter<const Names extends readonly string[]>(
  options: BigintCounterOptions<Names>,
): Counter<Names, bigint> & MetricFamily {
  assertCounterOptions(options);
  const decimals = options.decimals ?? 0;
  assert(Number.isInteger(decimals) && decimals >= 0 && decimals <= 18, 'decimals must be an integer in 0..18');
  const table = createSeriesTable({
    labelNames: options.labelNames,
    seriesCountMax: options.seriesCountMax ?? seriesCountMaxDefault,
    createChild: () => new BigintCounterChild(),
  });
  return {
    name: options.name,
    help: options.help,
    type: 'counter',
    sampleNames: [options.name],
    labels: (...values) => table.get(values),
    renderSamples: (lines) => {
      for (const series of table.list()) {
        lines.push(`${options.name}${series.labelSet} ${renderScaledBigint(series.child.value, decimals)}`);
      }
    },
    foldedCount: () => table.foldedCount(),
  };
}

/** Counter names end in `_total` (Prometheus naming; OpenMetrics requires it). */
function assertCounterOptions(options: MetricOptions<readonly string[]>): void {
  assertMetricName(options.name);
  assert(options.name.endsWith('_total'), `counter ${options.name} must end in _total`);
  assertLabelNames(options.labelNames);
}
