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

/**
 * POST /v1/responses/input_tokens (OpenAI Responses): the same local count for a Responses request body, as
 * `{object: 'response.input_tokens', input_tokens}`. `model` may be left out there (OpenAI's spec): then no model is
 * checked and the count is the tokenizer's alone. No upstream is called, nothing is billed.
 */
export function sendResponsesTokenCount(
  response: ServerResponse,
  exchange: { readonly app: AppContext; readonly body: unknown; readonly orgId: string; readonly requestId: string },
): void {
  const body = exchange.body;
  const hasModel = isObject(body) && body['model'] !== undefined && body['model'] !== null;
  const input = isObject(body) && !hasModel ? { ...body, model: unnamedModel } : body;
  const { request } = exchange.app.inbound['openai-responses'].parseRequest(
    input,
    undefined,
    undefined,
    exchange.orgId,
  );
  if (hasModel) resolveEndpoints(exchange.app.catalog, request.model, exchange.app.now());
  const count = { object: 'response.input_tokens', input_tokens: estimatePromptTokens(request) };
  sendJson(response, 200, count, exchange.requestId);
}

/** Stands in for a left-out `model` while the body is parsed; never resolved. */
const unnamedModel = 'unnamed/model';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
