import { renderLabelPairs, renderLabelSet, renderNumber } from './exposition-format.js';
import { assertLabelNames, assertMetricName } from './metric-names.js';
import type { CallbackMetricOptions, CallbackRow, MetricFamily } from './metric-types.js';
import { compareLabelValues, labelValueLengthMax, overflowLabelValue, seriesCountMaxDefault } from './series-table.js';

interface RenderedRow {
  readonly labelValues: readonly string[];
  readonly line: string;
}

/**
 * A metric whose values live elsewhere (breaker states, holds in flight, queue depth) and are read when
 * scraped, so the owner pays nothing between scrapes and the value is never stale. A throwing callback
 * renders no samples (the rest of the page still does) and is reported to `onCollectError`.
 */
export function createCallbackMetric<const Names extends readonly string[]>(
  options: CallbackMetricOptions<Names> & {
    readonly type: 'counter' | 'gauge';
    readonly onCollectError: (metricName: string, error: unknown) => void;
  },
): MetricFamily {
  const { name, labelNames } = options;
  assertMetricName(name);
  assertLabelNames(labelNames);
  const seriesCountMax = options.seriesCountMax ?? seriesCountMaxDefault;
  let folded = 0;

  function collectRows(): RenderedRow[] {
    const result = options.collect();
    if (typeof result === 'number') {
      return labelNames.length === 0 ? [{ labelValues: [], line: `${name} ${renderNumber(result)}` }] : [];
    }
    const rows: RenderedRow[] = [];
    const seen = new Set<string>();
    for (const row of result as Iterable<CallbackRow<readonly string[]>>) {
      if (row.labels.length !== labelNames.length || rows.length >= seriesCountMax) {
        folded += 1;
        continue;
      }
      const labelValues = row.labels.map(boundLabelValue);
      const labelSet = renderLabelSet(renderLabelPairs(labelNames, labelValues));
      if (seen.has(labelSet)) {
        folded += 1;
        continue;
      }
      seen.add(labelSet);
      rows.push({ labelValues, line: `${name}${labelSet} ${renderNumber(row.value)}` });
    }
    return rows.sort((left, right) => compareLabelValues(left.labelValues, right.labelValues));
  }

  return {
    name,
    help: options.help,
    type: options.type,
    sampleNames: [name],
    renderSamples: (lines) => {
      let rows: RenderedRow[];
      try {
        rows = collectRows();
      } catch (error) {
        options.onCollectError(name, error);
        return;
      }
      for (const row of rows) lines.push(row.line);
    },
    foldedCount: () => folded,
  };
}

function boundLabelValue(value: string): string {
  const text = String(value);
  return text.length <= labelValueLengthMax ? text : overflowLabelValue;
}
