import type { BilledUsage, EmbeddingsResult } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import { renderUsage } from '../inbound/render-usage.js';
import type { EmbeddingEncoding } from './parse-embeddings-request.js';

/** Embeddings → OpenAI's `list` of `embedding` objects, with usage and OpenRouter's cost fields. */
export function renderEmbeddingsResponse(
  result: EmbeddingsResult,
  billed: BilledUsage,
  meta: Pick<ResponseMeta, 'generationId' | 'model' | 'providerName'> & { readonly encoding: EmbeddingEncoding },
): string {
  const { prompt_tokens: promptTokens, cost, cost_details: costDetails } = renderUsage(billed);
  return JSON.stringify({
    object: 'list',
    id: meta.generationId,
    model: meta.model,
    provider: meta.providerName,
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: meta.encoding === 'base64' ? encodeFloat32(vector) : vector,
    })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, cost, cost_details: costDetails },
  });
}

/** Little-endian float32, base64: what OpenAI returns for `encoding_format: 'base64'`. */
function encodeFloat32(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}
