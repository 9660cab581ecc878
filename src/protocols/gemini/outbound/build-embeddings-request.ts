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
    // One encoded segment: a passthrough model name is the client's text, which must not pick the URL (PRODUCT.md §7).
    path: `/models/${encodeURIComponent(endpoint.upstreamModel)}:batchEmbedContents`,
    body: JSON.stringify({ requests }),
    headers: { 'content-type': 'application/json' },
  };
}
