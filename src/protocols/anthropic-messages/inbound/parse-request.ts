import { limits } from '../../../config/limits.js';
import type { ChatRequest, ParsedChatRequest, ReasoningOptions, ResponseFormat, Warning } from '../../../spec/index.js';
import {
  invalid,
  isObject,
  optional,
  pickFields,
  readOptionalBoolean,
  readOptionalNumber,
} from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { parseUnifiedReasoning } from '../../shared/parse-unified-reasoning.js';
import { readTextLiterals } from '../../shared/read-text-literals.js';
import { readRequestHead, splitRequestFields } from '../../shared/split-request-fields.js';
import type { ClientHeaders } from '../../adapter-types.js';
import { parseMessages, parseSystem } from './parse-content.js';
import { parseToolChoice, parseTools } from './parse-tools.js';
import { readForwardedHeaders } from './read-forwarded-headers.js';

/** Fields this codec models; the rest pass through to Anthropic upstreams unchanged. */
const modelledFields = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'reasoning',
  'metadata',
  'output_format',
  'output_config',
]);

/**
 * Parses an Anthropic Messages request body into the canonical request. Strict on
 * what it models (each error names its field); unknown fields (`service_tier`,
 * `inference_geo`, `container`, …) pass through to Anthropic-protocol upstreams, and so
 * does the `anthropic-beta` header. Given the body's bytes, it notes the long strings
 * written in them (`textLiterals`), for an upstream body to reuse.
 */
export function parseRequest(input: unknown, bytes?: Buffer, headers?: ClientHeaders): ParsedChatRequest {
  const { body, model } = readRequestHead(input);
  const warnings: Warning[] = [];
  const stream = readOptionalBoolean(body, 'stream', 'stream') ?? false;
  const { toolChoice, parallelToolCalls } = parseToolChoice(body['tool_choice']);
  const metadata = body['metadata'];
  const userId = isObject(metadata) && typeof metadata['user_id'] === 'string' ? metadata['user_id'] : undefined;
  const request: ChatRequest = {
    model,
    messages: [...parseSystem(body['system']), ...parseMessages(body['messages'])],
    stream,
    includeUsage: stream,
    ...optional(
      'maxOutputTokens',
      readOptionalNumber(body, 'max_tokens', { minimum: 1, maximum: limits.maxOutputTokensMax, isInteger: true }),
    ),
    ...optional('temperature', readOptionalNumber(body, 'temperature', { minimum: 0, maximum: 1 })),
    ...optional('topP', readOptionalNumber(body, 'top_p', { minimum: 0, maximum: 1 })),
    ...optional(
      'topK',
      readOptionalNumber(body, 'top_k', { minimum: 0, maximum: Number.MAX_SAFE_INTEGER, isInteger: true }),
    ),
    ...optional('stop', parseStopSequences(body['stop_sequences'])),
    ...optional('tools', parseTools(body['tools'])),
    ...optional('toolChoice', toolChoice),
    ...optional('parallelToolCalls', parallelToolCalls),
    ...optional('reasoning', parseThinking(body)),
    ...optional('responseFormat', parseOutputFormat(body)),
    ...optional('user', userId),
    ...withForwardedHeaders(
      withOutputConfig(splitRequestFields(body, modelledFields, 'anthropic-messages'), body),
      readForwardedHeaders(headers),
    ),
    ...optional('textLiterals', readTextLiterals(input, bytes)),
  };
  return { request, warnings };
}

function parseStopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.length <= 16 && value.every((item) => typeof item === 'string')) return value;
  throw invalid('stop_sequences', 'must be an array of at most 16 strings.');
}

/**
 * `thinking: {type: 'enabled', budget_tokens}` → a reasoning budget; `disabled` →
 * effort `none`; `adaptive` → effort `medium` for other protocols, and the object
 * itself (`native`) for Anthropic upstreams, which take it as sent. OpenRouter's
 * unified `reasoning` object is accepted too, and wins when both are sent.
 */
function parseThinking(body: JsonObject): ReasoningOptions | undefined {
  const unified = parseUnifiedReasoning(body['reasoning']);
  if (unified !== undefined) return unified;
  const thinking = body['thinking'];
  if (thinking === undefined || thinking === null) return undefined;
  if (!isObject(thinking)) throw invalid('thinking', "must be an object {type: 'enabled', budget_tokens}.");
  switch (thinking['type']) {
    case 'enabled': {
      const budget = readOptionalNumber(thinking, 'budget_tokens', {
        minimum: 1,
        maximum: limits.maxOutputTokensMax,
        isInteger: true,
      });
      if (budget === undefined) throw invalid('thinking.budget_tokens', 'is required when thinking is enabled.');
      return { maxTokens: budget };
    }
    case 'disabled':
      return { effort: 'none' };
    case 'adaptive':
      return { effort: 'medium', native: { protocol: 'anthropic-messages', value: thinking } };
    default:
      throw invalid('thinking.type', "must be 'enabled', 'disabled' or 'adaptive'.");
  }
}

/**
 * Structured outputs: `output_config.format` (generally available) or the older beta
 * `output_format`, both `{type: 'json_schema', schema}`, become the canonical JSON-schema
 * response format so every upstream protocol can honour it.
 */
function parseOutputFormat(body: JsonObject): ResponseFormat | undefined {
  const config = body['output_config'];
  const format = isObject(config) && config['format'] !== undefined ? config['format'] : body['output_format'];
  if (format === undefined || format === null) return undefined;
  const param = isObject(config) && config['format'] !== undefined ? 'output_config.format' : 'output_format';
  if (!isObject(format) || format['type'] !== 'json_schema' || !isObject(format['schema'])) {
    throw invalid(param, "must be {type: 'json_schema', schema: {...}}.");
  }
  return { type: 'json-schema', name: 'response', schema: format['schema'] };
}

/** The client's headers kept for Anthropic upstreams (`anthropic-beta`), beside the passthrough fields. */
function withForwardedHeaders(
  fields: Pick<ChatRequest, 'routingControls' | 'passthrough'>,
  headers: Record<string, string> | undefined,
): Pick<ChatRequest, 'routingControls' | 'passthrough'> {
  return headers === undefined ? fields : { ...fields, passthrough: { ...fields.passthrough, headers } };
}

/** `output_config` without `format` (e.g. `effort`) stays a passthrough field for Anthropic upstreams. */
function withOutputConfig(
  fields: Pick<ChatRequest, 'routingControls' | 'passthrough'>,
  body: JsonObject,
): Pick<ChatRequest, 'routingControls' | 'passthrough'> {
  const { passthrough } = fields;
  return { ...fields, passthrough: { ...passthrough, fields: { ...passthrough.fields, ...restOfOutputConfig(body) } } };
}

/** `output_config` without `format` (e.g. `effort`), kept for Anthropic upstreams. */
function restOfOutputConfig(body: JsonObject): Record<string, unknown> {
  const config = body['output_config'];
  if (!isObject(config)) return config === undefined ? {} : { output_config: config };
  const rest = pickFields(config, (key) => key !== 'format');
  return Object.keys(rest).length === 0 ? {} : { output_config: rest };
}
