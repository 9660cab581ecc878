import type { Ending, GenerationRecord } from '../storage/index.js';

/** What a run wrote, summed from the records as stored (costs as the ledger charged them). */
export interface SimulationSummary {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  requests: number;
  /** Of `requests`, those an earlier run with the same seed and end had stored already (not added again). */
  alreadyStored: number;
  readonly endings: Record<Ending, number>;
  tokensPrompt: number;
  tokensCached: number;
  tokensCompletion: number;
  tokensReasoning: number;
  chargedNanos: bigint;
  upstreamCostNanos: bigint;
  /** Credit granted to the simulated orgs to fund their calls. */
  grantedNanos: bigint;
  readonly tokensByModel: Map<string, number>;
  /** Tokens of the window's last week by origin (`CN`, `US`). */
  readonly lastWeekTokensByOrigin: Map<string, number>;
  orgCount: number;
  keyCount: number;
}

export function createSimulationSummary(windowStartMs: number, windowEndMs: number): SimulationSummary {
  return {
    windowStartMs,
    windowEndMs,
    requests: 0,
    alreadyStored: 0,
    endings: { success: 0, no_output: 0, upstream_error_after_output: 0, client_abort: 0, error: 0, cache: 0 },
    tokensPrompt: 0,
    tokensCached: 0,
    tokensCompletion: 0,
    tokensReasoning: 0,
    chargedNanos: 0n,
    upstreamCostNanos: 0n,
    grantedNanos: 0n,
    tokensByModel: new Map(),
    lastWeekTokensByOrigin: new Map(),
    orgCount: 0,
    keyCount: 0,
  };
}

const addTo = (totals: Map<string, number>, key: string, value: number): void => {
  totals.set(key, (totals.get(key) ?? 0) + value);
};

/** Adds stored records; `isLastWeek` counts them in the last week's origin split. */
export function addToSummary(
  summary: SimulationSummary,
  records: readonly GenerationRecord[],
  isLastWeek: boolean,
): void {
  for (const record of records) {
    const prompt = record.tokensInputTotal ?? 0;
    const completion = record.tokensOutputTotal ?? 0;
    summary.requests += 1;
    summary.endings[record.ending] += 1;
    summary.tokensPrompt += prompt;
    summary.tokensCached += record.tokensInputCacheRead ?? 0;
    summary.tokensCompletion += completion;
    summary.tokensReasoning += record.tokensOutputReasoning ?? 0;
    summary.chargedNanos += record.costNanos;
    summary.upstreamCostNanos += record.upstreamCostNanos;
    addTo(summary.tokensByModel, record.modelId, prompt + completion);
    if (isLastWeek) addTo(summary.lastWeekTokensByOrigin, record.origin, prompt + completion);
  }
}
