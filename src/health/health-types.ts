/**
 * Live health of upstream endpoints: the contract between the pipeline (which
 * records outcomes), routing (which reads availability and measurements) and the
 * endpoints API (which renders snapshots). In memory per node; in cluster mode an endpoint's rest is also shared (shared/).
 */

/** `provider id` + `/` + upstream model: one endpoint's identity (see `endpointKey`). */
export type EndpointKey = string;

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Why an attempt failed, as far as health is concerned (client errors are not the endpoint's fault and are not recorded). */
export type FailureKind =
  'rate-limited' | 'server-error' | 'timeout' | 'connection' | 'invalid-response' | 'stream-error';

export interface SuccessSample {
  readonly nowMs: number;
  /** Time from sending the request to the first output event. */
  readonly ttftMs: number | undefined;
  /** Completion tokens per second while generating; undefined when unknown or too short to measure. */
  readonly tokensPerSecond: number | undefined;
}

export interface FailureSample {
  readonly nowMs: number;
  readonly kind: FailureKind;
  /** From the upstream's `Retry-After` (already capped): the endpoint gets no traffic before `nowMs + retryAfterMs`. */
  readonly retryAfterMs?: number;
}

/** Percentiles over the recent window; undefined when there are no samples. */
export interface Percentiles {
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
}

export interface EndpointHealthSnapshot {
  readonly circuit: CircuitState;
  /** Successes ÷ (successes + failures) per window; undefined when the window saw no request. */
  readonly uptime: {
    readonly last5m: number | undefined;
    readonly last30m: number | undefined;
    readonly last1d: number | undefined;
  };
  /** Requests and failures in the breaker's window. */
  readonly recentRequests: number;
  readonly recentFailures: number;
  readonly ttftMs: Percentiles | undefined;
  readonly tokensPerSecond: Percentiles | undefined;
  /** Set while a `Retry-After` or an open circuit keeps traffic away. */
  readonly unavailableUntilMs: number | undefined;
}

/** What routing needs: read-only, never changes state. */
export interface HealthView {
  /** False while the circuit is open (and not yet due for a probe) or a `Retry-After` is running. */
  isAvailable(key: EndpointKey, nowMs: number): boolean;
  /** Median TTFT and throughput for sorting; undefined without samples. */
  measuredLatencyMs(key: EndpointKey, nowMs: number): number | undefined;
  measuredThroughput(key: EndpointKey, nowMs: number): number | undefined;
  snapshot(key: EndpointKey, nowMs: number): EndpointHealthSnapshot;
}

/** The pipeline's side: admission of one attempt, then exactly one outcome per admitted attempt. */
export interface HealthTracker extends HealthView {
  /**
   * Admits one attempt now: true when closed, or when half-open and no probe is in flight
   * (this attempt becomes the probe). False when open or cooling down.
   */
  tryAdmit(key: EndpointKey, nowMs: number): boolean;
  recordSuccess(key: EndpointKey, sample: SuccessSample): void;
  recordFailure(key: EndpointKey, sample: FailureSample): void;
  /** The attempt ended with no verdict on the endpoint (client abort, client error): frees a probe slot. */
  release(key: EndpointKey): void;
}
