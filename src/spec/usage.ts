/**
 * Canonical token usage. Every field is `undefined` when the provider did not
 * report it: unknown is never zero (STYLE.md principle 3).
 */
export interface Usage {
  readonly inputTokens: {
    /** All prompt tokens, cached or not. */
    readonly total: number | undefined;
    /** Prompt tokens billed at the full input price. */
    readonly noCache: number | undefined;
    /** Prompt tokens served from the provider's prompt cache. */
    readonly cacheRead: number | undefined;
    /** Prompt tokens written into the provider's prompt cache. */
    readonly cacheWrite: number | undefined;
    /**
     * The part of `cacheWrite` written with a 1-hour lifetime (Anthropic `cache_creation.ephemeral_1h_input_tokens`),
     * priced apart; absent when the provider does not split its cache writes.
     */
    readonly cacheWrite1h?: number | undefined;
  };
  readonly outputTokens: {
    /** All completion tokens, text and reasoning. */
    readonly total: number | undefined;
    readonly text: number | undefined;
    readonly reasoning: number | undefined;
  };
  /** True when the counts come from the local tokenizer, not the provider. */
  readonly isEstimated: boolean;
  /** The provider's usage object as received, for audit. */
  readonly raw?: unknown;
}

/** A usage record with nothing known. */
export function createUnknownUsage(): Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    isEstimated: false,
  };
}
