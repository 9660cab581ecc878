import type { Usage } from './usage.js';

/**
 * Usage after metering: every count known (estimated with a local tokenizer when
 * the provider was silent, flagged `isEstimated`), money in integer nano-units
 * (1e-9 of the settlement currency).
 */
export interface BilledUsage {
  /** The canonical usage as the provider reported it (unknowns stay undefined here). */
  readonly usage: Usage;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens read from the provider's cache. */
  readonly cachedTokens: number;
  /** Prompt tokens written to the provider's cache. */
  readonly cacheWriteTokens: number;
  readonly reasoningTokens: number;
  /** What the key was charged. */
  readonly costNanos: bigint;
  /** What the upstream charged the operator. */
  readonly upstreamCostNanos: bigint;
  readonly isEstimated: boolean;
}
