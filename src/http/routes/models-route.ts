import type { ServerResponse } from 'node:http';
import type { Catalog, Model } from '../../catalog/catalog-types.js';
import { GatewayError } from '../../errors/index.js';
import { sendJson } from '../send-json.js';
import { renderModel } from './render-model.js';

/** GET /v1/models and /api/v1/models: every model with at least one enabled endpoint, sorted by id. */
export function sendModels(response: ServerResponse, catalog: Catalog, requestId: string): void {
  const data = [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id)).map(renderModel);
  sendJson(response, 200, { object: 'list', data }, requestId);
}

/** GET /v1/models for Anthropic clients (`anthropic-version` sent): Anthropic's model-list shape. */
export function sendAnthropicModels(response: ServerResponse, catalog: Catalog, requestId: string): void {
  const models = [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id));
  const data = models.map(renderAnthropicModel);
  sendJson(
    response,
    200,
    { data, has_more: false, first_id: models[0]?.id ?? null, last_id: models.at(-1)?.id ?? null },
    requestId,
  );
}

/** A model in Anthropic's shape (`GET /v1/models` and `/v1/models/{model}` for Anthropic clients). */
function renderAnthropicModel(model: Model): Record<string, unknown> {
  return {
    type: 'model',
    id: model.id,
    display_name: model.name,
    created_at: new Date(model.createdSeconds * 1000).toISOString(),
  };
}

/**
 * GET /v1/models/{model} (the OpenAI and Anthropic clients' retrieve): one model as the list renders it, in Anthropic's
 * shape for an Anthropic client. The slug holds a slash, sent as is
 * (`/v1/models/deepseek/deepseek-v3.2`) or encoded by the official clients (`deepseek%2Fdeepseek-v3.2`).
 */
export function sendModel(
  response: ServerResponse,
  input: {
    readonly catalog: Catalog;
    readonly encodedSlug: string;
    readonly isAnthropic: boolean;
    readonly requestId: string;
  },
): void {
  let slug: string;
  try {
    slug = decodeURIComponent(input.encodedSlug);
  } catch {
    slug = input.encodedSlug;
  }
  const model = input.catalog.models.get(slug);
  if (model === undefined) {
    throw new GatewayError({
      code: 'model_not_found',
      message: `No model '${slug}' (see GET /v1/models).`,
      param: 'model',
    });
  }
  sendJson(response, 200, input.isAnthropic ? renderAnthropicModel(model) : renderModel(model), input.requestId);
}
