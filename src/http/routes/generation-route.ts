import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/index.js';
import type { GenerationRecord, GenerationStore, KeyRecord, ServingPort } from '../../storage/index.js';
import { sendJson } from '../send-json.js';
import { renderNanos } from '../../metering/index.js';

/**
 * GET /api/v1/generation?id=: one generation in OpenRouter's shape. A key sees
 * only its own org's generations; another org's id answers 404, as an unknown id does.
 */
export async function sendGeneration(
  response: ServerResponse,
  options: {
    readonly url: URL;
    readonly key: KeyRecord;
    readonly store: ServingPort<GenerationStore>;
    readonly requestId: string;
  },
): Promise<void> {
  const id = options.url.searchParams.get('id');
  if (id === null || id === '') {
    throw new GatewayError({ code: 'invalid_request', message: 'Query parameter `id` is required.', param: 'id' });
  }
  const record = await options.store.findGeneration(id);
  if (record === undefined || (options.key.role !== 'admin' && record.orgId !== options.key.orgId)) {
    throw new GatewayError({ code: 'not_found', message: `Generation '${id}' not found.`, param: 'id' });
  }
  sendJson(response, 200, { data: renderGeneration(record) }, options.requestId);
}

/** Field names follow OpenRouter's generation endpoint; Meridian adds ending, origin and estimation. */
export function renderGeneration(record: GenerationRecord): Record<string, unknown> {
  return {
    id: record.id,
    request_id: record.requestId,
    upstream_id: record.upstreamId,
    created_at: new Date(record.startedAtMs).toISOString(),
    model: record.modelId,
    author: record.author,
    origin: record.origin,
    provider_name: record.providerId,
    upstream_model: record.upstreamModel,
    app_referer: record.appReferer,
    app_title: record.appTitle,
    org_id: record.orgId,
    key_id: record.keyId,
    streamed: record.isStreaming,
    cancelled: record.ending === 'client_abort',
    ending: record.ending,
    error_code: record.errorCode,
    total_cost: renderNanos(record.costNanos),
    cost_nanos: record.costNanos.toString(),
    upstream_inference_cost: renderNanos(record.upstreamCostNanos),
    upstream_cost_nanos: record.upstreamCostNanos.toString(),
    tokens_prompt: record.tokensInputTotal,
    tokens_completion: record.tokensOutputTotal,
    native_tokens_prompt: record.tokensInputTotal,
    native_tokens_completion: record.tokensOutputTotal,
    native_tokens_reasoning: record.tokensOutputReasoning,
    native_tokens_cached: record.tokensInputCacheRead,
    native_tokens_cache_write: record.tokensInputCacheWrite,
    usage_estimated: record.isUsageEstimated,
    latency: record.latencyMs,
    time_to_first_token: record.ttftMs,
    generation_time: record.ttftMs === null ? null : record.latencyMs - record.ttftMs,
    throughput: record.throughputTokensPerSecond,
    finish_reason: record.finishReason,
    native_finish_reason: record.finishReasonRaw,
  };
}
