import type { DiagLogger } from '@opentelemetry/api';
import { diag, DiagLogLevel, trace } from '@opentelemetry/api';
import type { Logger } from '../create-logger.js';
import type { TracesSettings } from './resolve-traces-config.js';
import { setTracerProvider } from './start-span.js';

/** A running exporter, or the no-op when tracing is off. */
export interface Tracing {
  readonly isEnabled: boolean;
  /** Exports the spans still queued (bounded by `traceShutdownTimeoutMs`), then stops tracing. */
  shutdown(): Promise<void>;
}

/** Spans waiting for export; beyond it new spans are dropped (a slow collector never holds a call back). */
export const spanQueueCountMax = 2048;
/** Spans per OTLP request. */
export const spanBatchCountMax = 512;
/** A batch is sent at least this often while spans are queued. */
export const spanExportDelayMs = 5_000;
/** One OTLP request's bound; a collector that does not answer loses that batch, not the gateway's time. */
export const spanExportTimeoutMs = 10_000;
/** On shutdown, the last export may take this long before the process exits anyway. */
export const traceShutdownTimeoutMs = 5_000;

const disabled: Tracing = { isEnabled: false, shutdown: () => Promise.resolve() };

/**
 * Starts exporting spans over OTLP/HTTP (JSON) when `settings` is given. The SDK is imported here, lazily: an
 * unconfigured gateway never loads it, and its spans are the shared no-op. Export failures are logged as warnings
 * (the SDK's own diagnostics, bridged to the gateway's logger).
 */
export async function startTracing(settings: TracesSettings | undefined, log: Logger): Promise<Tracing> {
  if (settings === undefined) return disabled;
  const [sdk, otlp, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new otlp.OTLPTraceExporter({ url: settings.otlpEndpoint, timeoutMillis: spanExportTimeoutMs });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': settings.serviceName }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, {
        maxQueueSize: spanQueueCountMax,
        maxExportBatchSize: spanBatchCountMax,
        scheduledDelayMillis: spanExportDelayMs,
        exportTimeoutMillis: spanExportTimeoutMs,
      }),
    ],
  });
  diag.setLogger(createDiagBridge(log), DiagLogLevel.WARN);
  trace.setGlobalTracerProvider(provider);
  setTracerProvider(provider);
  return {
    isEnabled: true,
    shutdown: async () => {
      setTracerProvider(undefined);
      const flushed = provider.shutdown().then(
        () => undefined,
        (error: unknown) => log.warn('trace_export_failed', { message: String(error) }),
      );
      if (!(await settleWithin(flushed, traceShutdownTimeoutMs))) log.warn('trace_flush_timeout', {});
      trace.disable();
      diag.disable();
    },
  };
}

/** The SDK's warnings and errors (a collector that refuses or does not answer) as warning log lines. */
function createDiagBridge(log: Logger): DiagLogger {
  const ignore = (): void => undefined;
  return {
    error: (message) => log.warn('trace_export_failed', { message }),
    warn: (message) => log.warn('trace_export_warning', { message }),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

/** Whether `work` (which never rejects) finished within `timeoutMs`. */
async function settleWithin(work: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const isDone = await Promise.race([work.then(() => true), timeout]);
  clearTimeout(timer);
  return isDone;
}
