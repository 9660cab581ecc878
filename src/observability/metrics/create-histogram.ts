import { strict as assert } from 'node:assert';
import { renderNumber } from './exposition-format.js';
import { assertLabelNames, assertMetricName } from './metric-names.js';
import type { LabelValues, MetricFamily, MetricOptions } from './metric-types.js';
import { createSeriesTable, seriesCountMaxDefault } from './series-table.js';

export interface HistogramChild {
  /** Records one observation, in the observed unit (see `renderDivisor`). NaN is ignored. */
  observe(value: number): void;
}

export interface Histogram<Names extends readonly string[]> {
  labels(...values: LabelValues<Names>): HistogramChild;
}

export interface HistogramOptions<Names extends readonly string[]> extends MetricOptions<Names> {
  /** Upper bounds, strictly increasing and finite, in the observed unit; `+Inf` is always added. */
  readonly buckets: readonly number[];
  /**
   * Observed units per exposed unit (default 1). The pipeline measures integer milliseconds while Prometheus
   * wants seconds: observe milliseconds with `renderDivisor: 1000`, and bounds and `_sum` are divided once, at
   * render time, so the sum of integer observations stays exact instead of accumulating float error.
   */
  readonly renderDivisor?: number;
}

class BucketedChild implements HistogramChild {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    if (value !== value) return;
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index += 1;
    this.counts[index]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/** Fixed-bucket histogram: cumulative `_bucket{le}` lines, `_sum` and `_count`, per label combination. */
export function createHistogram<const Names extends readonly string[]>(
  options: HistogramOptions<Names>,
): Histogram<Names> & MetricFamily {
  const { name, buckets } = options;
  const divisor = options.renderDivisor ?? 1;
  assertMetricName(name);
  assertLabelNames(options.labelNames, ['le']);
  assert(buckets.length > 0 && buckets.every(Number.isFinite), 'histogram buckets must be finite numbers');
  assert(
    buckets.every((bound, index) => index === 0 || bound > buckets[index - 1]!),
    'buckets must be increasing',
  );
  assert(Number.isFinite(divisor) && divisor > 0, 'renderDivisor must be a positive number');
  const bounds = [...buckets];
  const leTexts = [...bounds.map((bound) => renderNumber(bound / divisor)), '+Inf'];
  const table = createSeriesTable({
    labelNames: options.labelNames,
    seriesCountMax: options.seriesCountMax ?? seriesCountMaxDefault,
    createChild: () => new BucketedChild(bounds),
  });
  return {
    name,
    help: options.help,
    type: 'histogram',
    sampleNames: [name, `${name}_bucket`, `${name}_sum`, `${name}_count`],
    labels: (...values) => table.get(values),
    renderSamples: (lines) => {
      for (const series of table.list()) {
        const child = series.child;
        const prefix = `${name}_bucket{${series.labelPairs}${series.labelPairs === '' ? '' : ','}le="`;
        let cumulative = 0;
        for (let index = 0; index < leTexts.length; index += 1) {
          cumulative += child.counts[index]!;
          lines.push(`${prefix}${leTexts[index]}"} ${cumulative}`);
        }
        lines.push(`${name}_sum${series.labelSet} ${renderNumber(child.sum / divisor)}`);
        lines.push(`${name}_count${series.labelSet} ${child.count}`);
      }
    },
    foldedCount: () => table.foldedCount(),
  };
}
