import type { Endpoint } from '../../../catalog/catalog-types.js';
import type { EmbeddingsRequest } from '../../../spec/index.js';
import type { UpstreamRequest } from '../../adapter-types.js';

/**
 * Canonical embeddings request → Gemini `batchEmbedContents`, one request per input text, in
 * order. `dimensions` becomes `outputDimensionality`; `user` has no Gemini field.
 */
export function buildEmbeddingsRequest(request: EmbeddingsRequest, endpoint: Endpoint): UpstreamRequest {
  const model = `models/${endpoint.upstreamModel}`;
  const requests = request.input.map((text) => ({
    model,
    content: { parts: [{ text }] },
    ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
  }));
  return {
    path: `/${model}:batchEmbedContents`,
    body: JSON.stringify({ requests }),
    headers: { 'content-type': 'application/json' },
  };
}
