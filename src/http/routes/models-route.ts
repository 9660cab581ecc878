import type { ServerResponse } from 'node:http';
import type { Catalog } from '../../catalog/catalog-types.js';
import { sendJson } from '../send-json.js';
import { renderModel } from './render-model.js';

/** GET /v1/models and /api/v1/models: every model with at least one enabled endpoint, sorted by id. */
export function sendModels(response: ServerResponse, catalog: Catalog, requestId: string): void {
  const data = [...catalog.models.values()].sort((left, right) => left.id.localeCompare(right.id)).map(renderModel);
  sendJson(response, 200, { object: 'list', data }, requestId);
}
