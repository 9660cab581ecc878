import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './create-metrics-registry.js';

export interface ProcessMetricsOptions {
  /** Event-loop sampling interval (default 10 ms): finer costs a timer wake-up more often, coarser hides short stalls. */
  readonly eventLoopResolutionMs?: number;
}

export interface ProcessMetricsHandle {
  /** Stops the event-loop monitor (on shutdown, or at the end of a test). */
  stop(): void;
}

const nanosecondsPerSecond = 1e9;

/**
 * Process health read at scrape time: resident memory, heap used, start time and uptime, and event-loop lag.
 * Names follow the common Node.js exporter (`process_*`, `nodejs_*`), so stock dashboards and alerts work.
 *
 * Event-loop lag is a window, not a lifetime: p50, p99 and max cover the time since the previous scrape, and
 * each scrape resets the window. Lifetime percentiles flatten out after a day and stop showing a new stall;
 * a per-scrape window shows it at once. (Two Prometheus servers scraping one process each see a shorter
 * window.) Node's histogram measures the whole timer period, so the resolution is subtracted: an idle loop
 * reads ≈0, not ≈10 ms. A window with no sample yet reads NaN (unknown, not zero).
 */
export function registerProcessMetrics(
  registry: MetricsRegistry,
  options: ProcessMetricsOptions = {},
): ProcessMetricsHandle {
  const resolutionMs = options.eventLoopResolutionMs ?? 10;
  const monitor = monitorEventLoopDelay({ resolution: resolutionMs });
  monitor.enable();
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
  registerEventLoopLag(registry, monitor, resolutionMs);
  return { stop: () => monitor.disable() };
}

type EventLoopMonitor = ReturnType<typeof monitorEventLoopDelay>;

/** Reads p50, p99 and max of one window in a scrape hook, then resets the window. */
function registerEventLoopLag(registry: MetricsRegistry, monitor: EventLoopMonitor, resolutionMs: number): void {
  const resolutionNs = resolutionMs * 1e6;
  let window = { p50: NaN, p99: NaN, max: NaN };
  const toLagSeconds = (nanoseconds: number): number => Math.max(0, nanoseconds - resolutionNs) / nanosecondsPerSecond;
  registry.addScrapeHook(() => {
    window =
      monitor.count === 0
        ? { p50: NaN, p99: NaN, max: NaN }
        : {
            p50: toLagSeconds(monitor.percentile(50)),
            p99: toLagSeconds(monitor.percentile(99)),
            max: toLagSeconds(monitor.max),
          };
    monitor.reset();
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
}
