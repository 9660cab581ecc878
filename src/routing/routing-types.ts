import type { Endpoint, Model } from '../catalog/catalog-types.js';

/** OpenRouter's `provider` object plus Meridian's `origin` and `region`, validated. */
export interface ProviderPreferences {
  /** Provider ids to try first, in this order. */
  readonly order?: readonly string[];
  /** Only these provider ids may serve. */
  readonly only?: readonly string[];
  /** These provider ids may not serve. */
  readonly ignore?: readonly string[];
  /** false: only the first choice is tried (no fallback to other endpoints or models). Default true. */
  readonly allowFallbacks: boolean;
  readonly sort?: 'price' | 'throughput' | 'latency';
  /** USD per 1M tokens, exact decimal strings parsed to nano-units per 1M. */
  readonly maxPrice?: { readonly promptNanosPerMillion?: bigint; readonly completionNanosPerMillion?: bigint };
  /** Only endpoints whose model lists every parameter the request uses in `supported_parameters`. */
  readonly requireParameters: boolean;
  /** `deny`: only endpoints that do not retain or train on data. */
  readonly dataCollection?: 'allow' | 'deny';
  readonly quantizations?: readonly string[];
  /** ISO countries of the model's author (Meridian). */
  readonly origin?: readonly string[];
  /** ISO countries where the provider serves from (Meridian). */
  readonly region?: readonly string[];
}

/** Everything a client may say about routing, validated (400 naming the field otherwise). */
export interface RoutingControls {
  /** Fallback models after the requested one, in order (OpenRouter `models`). */
  readonly fallbackModels: readonly string[];
  readonly provider: ProviderPreferences;
}

/** One planned attempt: a model (the requested one or a fallback) served by one endpoint. */
export interface RouteAttempt {
  readonly model: Model;
  readonly endpoint: Endpoint;
}

export interface RoutePlan {
  /** Attempts in order; the pipeline tries them until one succeeds or the deadline passes. */
  readonly attempts: readonly RouteAttempt[];
}
