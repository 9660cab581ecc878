import type { EmbeddingsAdapter, InboundCodec, OutboundAdapter } from '../adapter-types.js';
import { buildEmbeddingsRequest, readEmbeddingsResponse } from './embeddings/embeddings-adapter.js';
import { parseRequest } from './inbound/parse-request.js';
import { renderOpenAiError as renderError } from '../shared/render-openai-error.js';
import { renderResponse } from './inbound/render-response.js';
import { createStreamRenderer } from './inbound/render-stream.js';
import { buildRequest } from './outbound/build-request.js';
import { readErrorBody } from './outbound/read-error-body.js';
import { readResponse, readResponseUsage } from './outbound/read-response.js';
import { createStreamReader } from './outbound/read-stream.js';

/** OpenAI Chat Completions, client side. */
export const openaiChatInbound: InboundCodec = { parseRequest, renderResponse, createStreamRenderer, renderError };

/** OpenAI Chat Completions, upstream side (OpenAI and every OpenAI-compatible vendor). */
export const openaiChatOutbound: OutboundAdapter = {
  buildRequest,
  readResponse,
  readResponseUsage,
  createStreamReader,
  readErrorBody,
};

export { convertUsage } from './outbound/convert-usage.js';
export { mapFinishReason } from './outbound/map-finish-reason.js';

/** OpenAI-compatible `/embeddings`, upstream side. */
export const openaiEmbeddings: EmbeddingsAdapter = { buildEmbeddingsRequest, readEmbeddingsResponse };

export { parseEmbeddingsRequest } from './embeddings/parse-embeddings-request.js';
export { renderEmbeddingsResponse } from './embeddings/render-embeddings-response.js';
