import type { Endpoint } from '../../../catalog/catalog-types.js';
import { GatewayError } from '../../../errors/index.js';
import type { EmbeddingsRequest, EmbeddingsResult } from '../../../spec/index.js';
import type { UpstreamRequest } from '../../adapter-types.js';
import { isObject } from '../../shared/field-readers.js';

/** Canonical embeddings request → OpenAI-compatible `/embeddings` (always float: the gateway re-encodes if asked). */
export function buildEmbeddingsRequest(request: EmbeddingsRequest, endpoint: Endpoint): UpstreamRequest {
  const body: Record<string, unknown> = {
    model: endpoint.upstreamModel,
    input: request.input,
    encoding_format: 'float',
  };
  if (request.dimensions !== undefined) body['dimensions'] = request.dimensions;
  if (request.user !== undefined) body['user'] = request.user;
  return { path: '/embeddings', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** OpenAI-compatible embeddings JSON → vectors in input order (by each item's `index`). */
export function readEmbeddingsResponse(json: unknown): EmbeddingsResult {
  const data = isObject(json) ? json['data'] : undefined;
  if (!Array.isArray(data)) throw nonsense('has no data array');
  const embeddings: number[][] = [];
  data.forEach((item, position) => {
    const index = isObject(item) && typeof item['index'] === 'number' ? item['index'] : position;
    const vector = isObject(item) ? item['embedding'] : undefined;
    if (!Array.isArray(vector) || !vector.every((value) => typeof value === 'number')) {
      throw nonsense(`item ${position} has no numeric embedding`);
    }
    embeddings[index] = vector;
  });
  if (embeddings.length !== data.length || embeddings.some((vector) => vector === undefined)) {
    throw nonsense('has gaps in its indexes');
  }
  const usage = isObject(json) ? json['usage'] : undefined;
  const promptTokens = isObject(usage) ? usage['prompt_tokens'] : undefined;
  const id = isObject(json) ? json['id'] : undefined;
  return {
    upstreamId: typeof id === 'string' ? id : undefined,
    embeddings,
    inputTokens: typeof promptTokens === 'number' ? promptTokens : undefined,
    ...(usage === undefined ? {} : { rawUsage: usage }),
  };
}

function nonsense(detail: string): GatewayError {
  return new GatewayError({
    code: 'upstream_invalid_response',
    message: `The provider's embeddings response ${detail}.`,
    isRetryable: true,
  });
}
