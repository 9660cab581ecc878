import { strict as assert } from 'node:assert';
import { createHistogram, performance } from 'node:perf_hooks';
import type { MetricsRegistry } from './create-metrics-registry.js';

export interface ProcessMetricsOptions {
  /** Event-loop sampling interval (default 10 ms): finer costs a timer wake-up more often, coarser hides short stalls. */
  readonly eventLoopResolutionMs?: number;
}

export interface ProcessMetricsHandle {
  /** Stops the event-loop sampling timer (on shutdown, or at the end of a test); the timer never holds the process open. */
  stop(): void;
}

const nanosecondsPerSecond = 1e9;
const nanosecondsPerMillisecond = 1e6;

/**
 * Process health read at scrape time: resident memory, heap used, start time and uptime, and event-loop lag.
 * Names follow the common Node.js exporter (`process_*`, `nodejs_*`), so stock dashboards and alerts work.
 *
 * Event-loop lag is a window, not a lifetime: p50, p99 and max cover the time since the previous scrape, and
 * each scrape resets the window. Lifetime percentiles flatten out after a day and stop showing a new stall;
 * a per-scrape window shows it at once. (Two Prometheus servers scraping one process each see a shorter
 * window.) Lag is how late each sampling tick ran (the interval itself subtracted): an idle loop reads ≈0,
 * not ≈10 ms. A window with no tick yet reads NaN (unknown, not zero).
 */
export function registerProcessMetrics(
  registry: MetricsRegistry,
  options: ProcessMetricsOptions = {},
): ProcessMetricsHandle {
  const resolutionMs = options.eventLoopResolutionMs ?? 10;
  assert(Number.isFinite(resolutionMs) && resolutionMs >= 1, 'eventLoopResolutionMs must be at least 1');
  const startTimeSeconds = (Date.now() - process.uptime() * 1000) / 1000;

  registry.registerCallbackGauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident set size of the gateway process.',
    labelNames: [],
    collect: () => process.memoryUsage.rss(),
  });
  registry.registerCallbackGauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use.',
    labelNames: [],
    collect: () => process.memoryUsage().heapUsed,
  });
  registry.registerCallbackGauge({
    name: 'process_start_time_seconds',
    help: 'Start of the process, in seconds since the Unix epoch.',
    labelNames: [],
    collect: () => Math.round(startTimeSeconds * 1000) / 1000,
  });
  registry.registerCallbackGauge({
    name: 'process_uptime_seconds',
    help: 'Seconds since the process started.',
    labelNames: [],
    collect: () => process.uptime(),
  });
  const stopEventLoopLag = startEventLoopLag(registry, resolutionMs);
  return { stop: stopEventLoopLag };
}

/**
 * Measures lag with an unreferenced interval timer feeding a recordable histogram, read and reset by a scrape
 * hook. Not `monitorEventLoopDelay`: its `reset()` also forgets the previous tick, so a stall that begins right
 * after a scrape (within one interval) would be missed entirely; here the tick clock survives the reset.
 */
function startEventLoopLag(registry: MetricsRegistry, resolutionMs: number): () => void {
  const histogram = createHistogram();
  let window = { p50: NaN, p99: NaN, max: NaN };
  let lastTickMs = performance.now();
  const timer = setInterval(() => {
    const nowMs = performance.now();
    // HDR histograms record integers ≥ 1: a punctual tick reads as 1 ns.
    histogram.record(Math.max(1, Math.round((nowMs - lastTickMs - resolutionMs) * nanosecondsPerMillisecond)));
    lastTickMs = nowMs;
  }, resolutionMs);
  timer.unref();
  registry.addScrapeHook(() => {
    window =
      histogram.count === 0
        ? { p50: NaN, p99: NaN, max: NaN }
        : {
            p50: histogram.percentile(50) / nanosecondsPerSecond,
            p99: histogram.percentile(99) / nanosecondsPerSecond,
            max: histogram.max / nanosecondsPerSecond,
          };
    histogram.reset();
  });
  registry.registerCallbackGauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'Longest event-loop delay since the previous scrape.',
    labelNames: [],
    collect: () => window.max,
  });
  registry.registerCallbackGauge({
    name: 'nodejs_eventloop_lag_p50_seconds',
    help: 'Median event-loop delay since the previous scrape.',
    labelNames: [],
    collect: () => window.p50,
  });
  registry.registerCallbackGauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: '99th percentile event-loop delay since the previous scrape.',
    labelNames: [],
    collect: () => window.p99,
  });
  return () => clearInterval(timer);
}
