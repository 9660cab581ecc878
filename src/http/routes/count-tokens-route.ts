import type { ServerResponse } from 'node:http';
import { estimatePromptTokens } from '../../metering/index.js';
import { resolveEndpoints } from '../../routing/index.js';
import type { AppContext } from '../app-context.js';
import { sendJson } from '../send-json.js';

/**
 * POST /v1/messages/count_tokens: the prompt's size by the gateway's local
 * tokenizer (o200k_base), the same estimate admission uses. It is exact for
 * OpenAI models and an estimate for others; no upstream is called, nothing is billed.
 */
export function sendTokenCount(
  response: ServerResponse,
  exchange: { readonly app: AppContext; readonly body: unknown; readonly requestId: string },
): void {
  const { request } = exchange.app.inbound['anthropic-messages'].parseRequest(exchange.body);
  resolveEndpoints(exchange.app.catalog, request.model, exchange.app.now());
  sendJson(response, 200, { input_tokens: estimatePromptTokens(request) }, exchange.requestId);
}
