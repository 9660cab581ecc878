import type { Ending, GenerationRecord } from './ports.js';

/** A `generations` row as either driver returns it (snake_case columns; integers as bigint or number). */
export type GenerationRow = Readonly<Record<string, unknown>>;

const readCount = (value: unknown): number | null => (value === null ? null : Number(value));
/** SQLite stores booleans as 0/1 (bigint with safe integers), PostgreSQL as `boolean`. */
const readFlag = (value: unknown): boolean => value === true || Number(value) === 1;

/** A stored row as the port's record, for both drivers: money stays bigint; instants and counts become numbers. */
export function readGenerationRow(row: GenerationRow): GenerationRecord {
  return {
    id: row['id'] as string,
    requestId: row['request_id'] as string,
    orgId: row['org_id'] as string,
    keyId: row['key_id'] as string,
    appReferer: row['app_referer'] as string | null,
    appTitle: row['app_title'] as string | null,
    modelId: row['model_id'] as string,
    author: row['author'] as string,
    origin: row['origin'] as string,
    providerId: row['provider_id'] as string,
    upstreamModel: row['upstream_model'] as string,
    upstreamId: row['upstream_id'] as string | null,
    isStreaming: readFlag(row['is_streaming']),
    tokensInputTotal: readCount(row['tokens_input_total']),
    tokensInputCacheRead: readCount(row['tokens_input_cache_read']),
    tokensInputCacheWrite: readCount(row['tokens_input_cache_write']),
    tokensOutputTotal: readCount(row['tokens_output_total']),
    tokensOutputReasoning: readCount(row['tokens_output_reasoning']),
    isUsageEstimated: readFlag(row['is_usage_estimated']),
    costNanos: row['cost_nanos'] as bigint,
    upstreamCostNanos: row['upstream_cost_nanos'] as bigint,
    finishReason: row['finish_reason'] as string | null,
    finishReasonRaw: row['finish_reason_raw'] as string | null,
    ending: row['ending'] as Ending,
    errorCode: row['error_code'] as string | null,
    startedAtMs: Number(row['started_at_ms']),
    finishedAtMs: Number(row['finished_at_ms']),
    latencyMs: Number(row['latency_ms']),
    ttftMs: readCount(row['ttft_ms']),
    throughputTokensPerSecond: readCount(row['throughput_tokens_per_second']),
    usageRaw: row['usage_raw'] as string | null,
  };
}
