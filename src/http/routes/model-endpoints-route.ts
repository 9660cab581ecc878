import type { ServerResponse } from 'node:http';
import type { Catalog, Endpoint } from '../../catalog/catalog-types.js';
import { resolvePrices } from '../../catalog/index.js';
import { GatewayError } from '../../errors/index.js';
import { endpointKey } from '../../health/index.js';
import type { EndpointHealthSnapshot, HealthView } from '../../health/index.js';
import { sendJson } from '../send-json.js';
import { renderModel, renderPricing } from './render-model.js';

/**
 * GET /api/v1/models/{author}/{slug}/endpoints, like OpenRouter's: each endpoint of
 * the model with its current price (time-of-day schedules applied) and live health —
 * uptime over recent windows, TTFT and throughput percentiles, circuit state.
 */
export function sendModelEndpoints(
  response: ServerResponse,
  input: {
    readonly catalog: Catalog;
    readonly health: HealthView;
    readonly slug: string;
    readonly nowMs: number;
    readonly requestId: string;
  },
): void {
  const model = input.catalog.models.get(input.slug);
  if (model === undefined) {
    throw new GatewayError({
      code: 'model_not_found',
      message: `Model '${input.slug}' does not exist.`,
      param: 'model',
    });
  }
  const { id, name, created, description, architecture } = renderModel(model);
  const endpoints = model.endpoints.map((endpoint) =>
    renderEndpoint(endpoint, input.health.snapshot(endpointKey(endpoint), input.nowMs), input.nowMs),
  );
  sendJson(response, 200, { data: { id, name, created, description, architecture, endpoints } }, input.requestId);
}

function renderEndpoint(endpoint: Endpoint, health: EndpointHealthSnapshot, nowMs: number): Record<string, unknown> {
  return {
    name: `${endpoint.provider.name} | ${endpoint.upstreamModel}`,
    provider_name: endpoint.provider.name,
    tag: endpoint.provider.id,
    protocol: endpoint.provider.protocol,
    context_length: endpoint.contextLength,
    max_completion_tokens: endpoint.maxOutputTokens ?? null,
    quantization: endpoint.quantization ?? null,
    pricing: renderPricing(resolvePrices(endpoint, nowMs)),
    // OpenRouter's status: 0 serving, -1 (and below) degraded or down.
    status: health.circuit === 'closed' && health.unavailableUntilMs === undefined ? 0 : -1,
    circuit: health.circuit,
    unavailable_until:
      health.unavailableUntilMs === undefined ? null : new Date(health.unavailableUntilMs).toISOString(),
    uptime_last_5m: renderPercent(health.uptime.last5m),
    uptime_last_30m: renderPercent(health.uptime.last30m),
    uptime_last_1d: renderPercent(health.uptime.last1d),
    latency_last_30m: health.ttftMs ?? null,
    throughput_last_30m: health.tokensPerSecond ?? null,
    is_sandbox: endpoint.provider.isSandbox,
  };
}

function renderPercent(fraction: number | undefined): number | null {
  return fraction === undefined ? null : Math.round(fraction * 10_000) / 100;
}
