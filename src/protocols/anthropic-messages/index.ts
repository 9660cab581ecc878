import type { InboundCodec } from '../adapter-types.js';
import { parseRequest } from './inbound/parse-request.js';
import { renderError } from './inbound/render-error.js';
import { renderResponse } from './inbound/render-response.js';
import { createStreamRenderer } from './inbound/render-stream.js';

/** Anthropic Messages, client side (`POST /v1/messages`). */
export const anthropicMessagesInbound: InboundCodec = {
  parseRequest,
  renderResponse,
  createStreamRenderer,
  renderError,
};

export { anthropicMessagesOutbound } from './outbound/index.js';
