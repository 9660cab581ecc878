import type { Endpoint } from '../../../catalog/catalog-types.js';
import type { ChatRequest, Warning } from '../../../spec/index.js';
import type { UpstreamRequest } from '../../adapter-types.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { serialiseBody } from '../../shared/serialise-body.js';
import { setTopK } from '../../shared/set-top-k.js';
import { convertMessages } from './convert-messages.js';
import { convertThinking } from './convert-thinking.js';
import { convertTools } from './convert-tools.js';

/** Anthropic requires `max_tokens`; used when neither the client nor the catalog gives one. */
const defaultMaxTokens = 4096;

/** Anthropic's temperature range is [0, 1] (OpenAI's is [0, 2]). */
const temperatureMax = 1;

/** With thinking on, Anthropic accepts `top_p` only within [0.95, 1]. */
const thinkingTopPMin = 0.95;

/** Fields a passthrough value may never override: the gateway owns them. */
const protectedFields = new Set([
  'model',
  'messages',
  'system',
  'stream',
  'max_tokens',
  'tools',
  'tool_choice',
  'thinking',
]);

/** The upstream request plus the settings it could not carry exactly. */
export interface AnthropicUpstreamRequest extends UpstreamRequest {
  readonly warnings: readonly Warning[];
}

/**
 * Canonical request → Anthropic Messages request (`POST {baseUrl}/messages`; the base
 * URL holds `/v1`, auth is added by the upstream module). Works for Anthropic and the
 * Anthropic-compatible endpoints of Kimi, GLM, DeepSeek and MiniMax, which ignore
 * what they do not support.
 */
export function buildRequest(request: ChatRequest, endpoint: Endpoint): AnthropicUpstreamRequest {
  const warnings: Warning[] = [];
  const maxTokens = request.maxOutputTokens ?? endpoint.maxOutputTokens ?? defaultMaxTokens;
  const { system, messages } = convertMessages(request.messages, warnings);
  const { isToolForced, ...tools } = convertTools(request, warnings);
  const config = convertThinking({ reasoning: request.reasoning, maxTokens, isToolForced }, warnings);
  const thinking = config?.type === 'native' ? config.value : config;
  const isThinking = thinking !== undefined && thinking['type'] !== 'disabled';
  const body: JsonObject = {
    model: endpoint.upstreamModel,
    max_tokens: maxTokens,
    ...(system.length === 0 ? {} : { system }),
    messages,
    ...tools,
    ...(thinking === undefined ? {} : { thinking }),
    ...(request.stream ? { stream: true } : {}),
  };
  setSampling(body, request, isThinking, warnings);
  warnUnsupported(request, warnings);
  setResponseFormat(body, request, warnings);
  copyPassthrough(body, request, warnings);
  return {
    path: '/messages',
    body: serialiseBody(body, request.textLiterals),
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...readClientHeaders(request) },
    warnings,
  };
}

/** The client's own Anthropic headers (`anthropic-beta`), when the client spoke this protocol. */
function readClientHeaders(request: ChatRequest): Readonly<Record<string, string>> {
  const { protocol, headers } = request.passthrough;
  return protocol === 'anthropic-messages' && headers !== undefined ? headers : {};
}

/**
 * Temperature, top_p, top_k, stop sequences and the end-user id. Anthropic forbids temperature ≠ 1, top_p < 0.95
 * and top_k while thinking, so those are dropped with a warning.
 */
function setSampling(body: JsonObject, request: ChatRequest, isThinking: boolean, warnings: Warning[]): void {
  const { temperature, topP, stop, user } = request;
  if (temperature !== undefined && isThinking && temperature !== 1) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'temperature',
      details: 'Anthropic fixes temperature at 1 while thinking.',
    });
  } else if (temperature !== undefined) {
    body['temperature'] = Math.min(temperature, temperatureMax);
    if (temperature > temperatureMax) {
      warnings.push({ type: 'clamped-setting', setting: 'temperature', from: temperature, to: temperatureMax });
    }
  }
  if (topP !== undefined && isThinking && topP < thinkingTopPMin) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'top_p',
      details: 'Anthropic accepts top_p only from 0.95 to 1 while thinking.',
    });
  } else if (topP !== undefined) {
    body['top_p'] = topP;
  }
  setTopK(body, request.topK, isThinking ? 'Anthropic does not allow top_k while thinking.' : undefined, warnings);
  if (stop !== undefined && stop.length > 0) body['stop_sequences'] = stop;
  if (user !== undefined) body['metadata'] = { user_id: user };
}

/** Settings the Messages API has no field for; it returns one choice, so `n > 1` cannot be served. */
function warnUnsupported(request: ChatRequest, warnings: Warning[]): void {
  const unsupported: [string, boolean][] = [
    ['seed', request.seed !== undefined],
    ['n', request.n !== undefined && request.n > 1],
    ['presence_penalty', request.presencePenalty !== undefined],
    ['frequency_penalty', request.frequencyPenalty !== undefined],
  ];
  for (const [setting, isSet] of unsupported) {
    if (isSet)
      warnings.push({
        type: 'unsupported-setting',
        setting,
        details: 'The Anthropic Messages API has no such setting.',
      });
  }
}

/**
 * JSON schema output → `output_config.format` (Anthropic's structured outputs, generally
 * available without a beta header). Plain JSON mode has no Anthropic equivalent.
 */
function setResponseFormat(body: JsonObject, request: ChatRequest, warnings: Warning[]): void {
  const format = request.responseFormat;
  if (format === undefined || format.type === 'text') return;
  if (format.type === 'json-schema') {
    body['output_config'] = { format: { type: 'json_schema', schema: format.schema } };
    return;
  }
  warnings.push({
    type: 'unsupported-setting',
    setting: 'response_format',
    details: 'Anthropic has no JSON mode without a schema; the request was sent without it.',
  });
}

/**
 * Fields the inbound codec did not model. Anthropic-dialect fields are forwarded
 * (objects such as `metadata` and `output_config` merged into what the gateway set,
 * the client's keys winning), except the protected ones.
 * Another dialect's fields cannot mean anything here: each is dropped with a warning.
 */
function copyPassthrough(body: JsonObject, request: ChatRequest, warnings: Warning[]): void {
  const { protocol, fields } = request.passthrough;
  for (const [key, value] of Object.entries(fields)) {
    if (protocol !== 'anthropic-messages') {
      warnings.push({
        type: 'unsupported-setting',
        setting: key,
        details: `A parameter of the ${protocol} protocol, which the Anthropic Messages API does not take.`,
      });
    } else if (!protectedFields.has(key)) {
      const current = body[key];
      body[key] = isObject(current) && isObject(value) ? { ...current, ...value } : value;
    }
  }
}
