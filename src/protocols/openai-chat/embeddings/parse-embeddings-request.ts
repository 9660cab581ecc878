import { limits } from '../../../config/limits.js';
import type { EmbeddingsRequest } from '../../../spec/index.js';
import { invalid, isObject, optional, readOptionalNumber, readOptionalString } from '../../shared/field-readers.js';

/** What the client wants back: OpenAI's default `float`, or `base64` (little-endian float32, the openai SDK's default). */
export type EmbeddingEncoding = 'float' | 'base64';

/**
 * An OpenAI `/v1/embeddings` body → the canonical request. Inputs are strings;
 * pre-tokenized inputs (arrays of token ids) are refused with a clear 400, since
 * token ids mean nothing across vendors' tokenizers.
 */
export function parseEmbeddingsRequest(body: unknown): {
  readonly request: EmbeddingsRequest;
  readonly encoding: EmbeddingEncoding;
} {
  if (!isObject(body)) throw invalid('body', 'the request body must be a JSON object.');
  const model = body['model'];
  if (typeof model !== 'string' || model.trim() === '') throw invalid('model', 'must be a non-empty string.');
  const encoding = body['encoding_format'] ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') throw invalid('encoding_format', "must be 'float' or 'base64'.");
  const request: EmbeddingsRequest = {
    model,
    input: parseInput(body['input']),
    ...optional('dimensions', readOptionalNumber(body, 'dimensions', { minimum: 1, maximum: 65_536, isInteger: true })),
    ...optional('user', readOptionalString(body, 'user', 'user')),
  };
  return { request, encoding };
}

function parseInput(value: unknown): string[] {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || items.length === 0) {
    throw invalid('input', 'must be a non-empty string or a non-empty array of strings.');
  }
  if (items.length > limits.embeddingInputsMax) {
    throw invalid('input', `at most ${limits.embeddingInputsMax} inputs per request (limits.embeddingInputsMax).`);
  }
  return items.map((item, index) => {
    if (typeof item !== 'string') {
      throw invalid(`input[${index}]`, 'must be a string (token-id arrays are not accepted by this gateway).');
    }
    if (item === '') throw invalid(`input[${index}]`, 'must not be empty.');
    return item;
  });
}
