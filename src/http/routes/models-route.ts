import type { ServerResponse } from 'node:http';
import type { Catalog } from '../../catalog/catalog-types.js';
import { sendJson } from '../send-json.js';
import { renderModel } from './render-model.js';

/** GET /v1/models and /api/v1/models: every model with at least one enabled endpoint, sorted by id. */
export function sendModels(response: ServerResponse, catalog: Catalog, requestId: string): void {
  const data = [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id)).map(renderModel);
  sendJson(response, 200, { object: 'list', data }, requestId);
}

/** GET /v1/models for Anthropic clients (`anthropic-version` sent): Anthropic's model-list shape. */
export function sendAnthropicModels(response: ServerResponse, catalog: Catalog, requestId: string): void {
  const data = [...catalog.models.values()]
    .sort((left, right) => left.id.localeCompare(right.id))
    .map((model) => ({
      type: 'model',
      id: model.id,
      display_name: model.name,
      created_at: new Date(model.createdSeconds * 1000).toISOString(),
    }));
  sendJson(
    response,
    200,
    { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
    requestId,
  );
}
