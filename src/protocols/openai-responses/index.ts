import type { InboundCodec } from '../adapter-types.js';
import { renderOpenAiError } from '../shared/render-openai-error.js';
import { parseRequest } from './inbound/parse-request.js';
import { renderResponse } from './inbound/render-response.js';
import { createStreamRenderer } from './inbound/render-stream.js';
import type { ResponseItemMemory } from './item-memory.js';

/**
 * OpenAI Responses (`POST /v1/responses`), client side only: no upstream speaks it, every model is reached through
 * the canonical model. `memory` keeps the items it renders for `item_reference` inputs.
 */
export function createOpenaiResponsesInbound(memory: ResponseItemMemory): InboundCodec {
  return {
    parseRequest: (body, bytes, _headers, orgId) => parseRequest(body, bytes, { memory, orgId }),
    renderResponse: (result, billed, meta, request) => renderResponse(result, billed, meta, request, memory),
    createStreamRenderer: (request, meta) => createStreamRenderer(request, meta, memory),
    renderError: renderOpenAiError,
  };
}

export { createResponseItemMemory } from './item-memory.js';
export type { ResponseItemMemory } from './item-memory.js';
