import type { InboundCodec } from '../adapter-types.js';
import { renderOpenAiError } from '../shared/render-openai-error.js';
import { parseRequest } from './inbound/parse-request.js';
import { renderResponse } from './inbound/render-response.js';
import { createStreamRenderer } from './inbound/render-stream.js';

/** OpenAI Responses (`POST /v1/responses`), client side only: no upstream speaks it, every model is reached through the canonical model. */
export const openaiResponsesInbound: InboundCodec = {
  parseRequest,
  renderResponse,
  createStreamRenderer,
  renderError: renderOpenAiError,
};
