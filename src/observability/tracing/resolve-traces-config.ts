import { ConfigError } from '../../config/index.js';

/** `observability.traces` as the config file gives it (every field optional). */
export interface TracesFileConfig {
  readonly otlpEndpoint: string | undefined;
  readonly serviceName: string | undefined;
  readonly sampleRatio: number | undefined;
}

/** Where and how spans are exported; absent means tracing is off (no SDK loaded). */
export interface TracesSettings {
  /** OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces` (JSON encoding). */
  readonly otlpEndpoint: string;
  /** `service.name` of the resource. */
  readonly serviceName: string;
  /** Share of calls traced, 0–1, decided once per call (its attempts and settlement follow). */
  readonly sampleRatio: number;
}

export const serviceNameDefault = 'meridian';

/**
 * The config file wins; else the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL),
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (a base, `/v1/traces` appended), `OTEL_SERVICE_NAME`. `OTEL_SDK_DISABLED=true`
 * turns tracing off whatever is configured. No endpoint → undefined.
 */
export function resolveTracesConfig(
  file: TracesFileConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): TracesSettings | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const fromEnv = readEnvEndpoint(env);
  const otlpEndpoint = file?.otlpEndpoint ?? fromEnv?.url;
  if (otlpEndpoint === undefined) return undefined;
  if (file?.otlpEndpoint === undefined && fromEnv !== undefined && !isHttpUrl(fromEnv.url)) {
    throw new ConfigError([
      { path: fromEnv.variable, location: undefined, message: `must be an http:// or https:// URL` },
    ]);
  }
  return {
    otlpEndpoint,
    serviceName: file?.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']) ?? serviceNameDefault,
    sampleRatio: file?.sampleRatio ?? 1,
  };
}

function readEnvEndpoint(
  env: Readonly<Record<string, string | undefined>>,
): { readonly variable: string; readonly url: string } | undefined {
  const traces = nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  if (traces !== undefined) return { variable: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', url: traces };
  const base = nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  if (base === undefined) return undefined;
  return { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', url: `${base.replace(/\/+$/, '')}/v1/traces` };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
