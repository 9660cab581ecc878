import type { EmbeddingsAdapter, OutboundAdapter } from '../adapter-types.js';
import { buildEmbeddingsRequest } from './outbound/build-embeddings-request.js';
import { buildRequest } from './outbound/build-request.js';
import { readEmbeddingsResponse } from './outbound/read-embeddings-response.js';
import { readErrorBody } from './outbound/read-error-body.js';
import { readResponse, readResponseUsage } from './outbound/read-response.js';
import { createStreamReader } from './outbound/read-stream.js';

/** Google Gemini API (`generateContent` / `streamGenerateContent?alt=sse`), upstream side. */
export const geminiOutbound: OutboundAdapter = {
  buildRequest,
  readResponse,
  readResponseUsage,
  createStreamReader,
  readErrorBody,
};

/** Google Gemini API `batchEmbedContents`, upstream side. */
export const geminiEmbeddings: EmbeddingsAdapter = { buildEmbeddingsRequest, readEmbeddingsResponse };

export type { GeminiUpstreamRequest } from './outbound/build-request.js';
export { convertUsage } from './outbound/convert-usage.js';
export { mapFinishReason } from './outbound/map-finish-reason.js';
