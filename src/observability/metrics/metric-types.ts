/**
 * Shared shapes of the metrics registry. A metric declares its label names up
 * front; every call passes one value per name, in that order, so the type
 * checker catches a missing or extra label at the call site.
 */

/** One string per declared label name, in declaration order. */
export type LabelValues<Names extends readonly string[]> = { readonly [K in keyof Names]: string };

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** What every metric shares: a name, one line of help, and the label names every sample carries. */
export interface MetricOptions<Names extends readonly string[]> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: Names;
  /**
   * Distinct label combinations kept (default 1,000). A new combination beyond it is folded into one series
   * whose every label is `other`, so a hostile or buggy label value (a made-up model name per request) costs
   * one series, not unbounded memory and a scrape the size of the traffic.
   */
  readonly seriesCountMax?: number;
}

/** The registry's view of a metric: enough to render it and to report what the series cap refused. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Sample names this family writes (a histogram writes `_bucket`, `_sum` and `_count`), for collision checks. */
  readonly sampleNames: readonly string[];
  /** Appends this family's sample lines (without `# HELP`/`# TYPE`) to `lines`, in a deterministic order. */
  renderSamples(lines: string[]): void;
  /** Label combinations refused so far: lookups folded into `other`, or callback rows dropped. */
  foldedCount(): number;
}

/** A row a scrape-time callback returns: label values and the current value. */
export interface CallbackRow<Names extends readonly string[]> {
  readonly labels: LabelValues<Names>;
  readonly value: number;
}

export interface CallbackMetricOptions<Names extends readonly string[]> extends MetricOptions<Names> {
  /**
   * Called once per scrape. Returns the rows, or a bare number for a metric without labels. Rows beyond
   * `seriesCountMax`, rows with the wrong number of labels, and repeated label sets are dropped (Prometheus
   * rejects a scrape with duplicate series).
   */
  readonly collect: () => number | Iterable<CallbackRow<Names>>;
}
