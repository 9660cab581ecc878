import { GatewayError } from '../../../errors/index.js';
import type { EmbeddingsResult } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';

/**
 * Gemini `batchEmbedContents` → canonical embeddings, in input order. Every vector must be a
 * non-empty list of finite numbers, all of one length; when the caller passes `expectedCount`
 * (the number of inputs), the count must match too. Gemini reports prompt tokens only on some
 * models (`usageMetadata.promptTokenCount`); otherwise they stay unknown.
 */
export function readEmbeddingsResponse(json: unknown, expectedCount?: number): EmbeddingsResult {
  const body = asObject(json);
  const list = body?.['embeddings'];
  if (!Array.isArray(list)) throw invalid('The provider answered without an `embeddings` array.');
  if (expectedCount !== undefined && list.length !== expectedCount) {
    throw invalid(`The provider returned ${list.length} embeddings for ${expectedCount} inputs.`);
  }
  const embeddings = list.map((item, position) => readVector(asObject(item)?.['values'], position));
  if (embeddings.some((vector) => vector.length !== embeddings[0]?.length)) {
    throw invalid('The provider returned embeddings of different lengths.');
  }
  const usage = asObject(body?.['usageMetadata']);
  const promptTokens = usage?.['promptTokenCount'];
  return {
    upstreamId: undefined,
    embeddings,
    inputTokens:
      typeof promptTokens === 'number' && Number.isInteger(promptTokens) && promptTokens >= 0
        ? promptTokens
        : undefined,
    ...(usage === undefined ? {} : { rawUsage: usage }),
  };
}

function readVector(values: unknown, position: number): readonly number[] {
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    !values.every((value) => typeof value === 'number' && Number.isFinite(value))
  ) {
    throw invalid(`Embedding ${position} is not a list of numbers.`);
  }
  return values as number[];
}

function invalid(message: string): GatewayError {
  return new GatewayError({ code: 'upstream_invalid_response', message, isRetryable: true });
}
