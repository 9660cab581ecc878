import { renderNumber } from './exposition-format.js';
import { assertLabelNames, assertMetricName } from './metric-names.js';
import type { LabelValues, MetricFamily, MetricOptions } from './metric-types.js';
import { createSeriesTable, seriesCountMaxDefault } from './series-table.js';

export interface GaugeChild {
  set(value: number): void;
  inc(amount?: number): void;
  dec(amount?: number): void;
}

export interface Gauge<Names extends readonly string[]> {
  labels(...values: LabelValues<Names>): GaugeChild;
}

class NumberGaugeChild implements GaugeChild {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(amount = 1): void {
    this.value += amount;
  }
  dec(amount = 1): void {
    this.value -= amount;
  }
}

/** A gauge set by its owner when the state changes; state that already lives elsewhere uses a callback gauge. */
export function createGauge<const Names extends readonly string[]>(
  options: MetricOptions<Names>,
): Gauge<Names> & MetricFamily {
  assertMetricName(options.name);
  assertLabelNames(options.labelNames);
  const table = createSeriesTable({
    labelNames: options.labelNames,
    seriesCountMax: options.seriesCountMax ?? seriesCountMaxDefault,
    createChild: () => new NumberGaugeChild(),
  });
  return {
    name: options.name,
    help: options.help,
    type: 'gauge',
    sampleNames: [options.name],
    labels: (...values) => table.get(values),
    renderSamples: (lines) => {
      for (const series of table.list())
        lines.push(`${options.name}${series.labelSet} ${renderNumber(series.child.value)}`);
    },
    foldedCount: () => table.foldedCount(),
  };
}
