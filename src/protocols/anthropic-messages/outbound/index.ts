import type { OutboundAdapter } from '../../adapter-types.js';
import { buildRequest } from './build-request.js';
import { readErrorBody } from './read-error-body.js';
import { readResponse, readResponseUsage } from './read-response.js';
import { createStreamReader } from './read-stream.js';

/**
 * Anthropic Messages, upstream side: Anthropic itself and the Anthropic-compatible
 * endpoints of Kimi (Moonshot), GLM (Zhipu), DeepSeek and MiniMax.
 */
export const anthropicMessagesOutbound: OutboundAdapter = {
  buildRequest,
  readResponse,
  readResponseUsage,
  createStreamReader,
  readErrorBody,
};

export type { AnthropicUpstreamRequest } from './build-request.js';
export { convertUsage } from './convert-usage.js';
export { mapStopReason } from './map-stop-reason.js';
