import { limits } from '../../../config/limits.js';
import type { ChatRequest, ParsedChatRequest, ReasoningOptions, Warning } from '../../../spec/index.js';
import {
  invalid,
  isObject,
  optional,
  readOptionalBoolean,
  readOptionalNumber,
  readOptionalString,
} from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { parseUnifiedReasoning } from '../../shared/parse-unified-reasoning.js';
import { readTextLiterals } from '../../shared/read-text-literals.js';
import { readRequestHead, splitRequestFields } from '../../shared/split-request-fields.js';
import type { ResponseItemMemory } from '../item-memory.js';
import { parseInput } from './parse-input.js';
import { parseTextFormat, parseTextVerbosity, parseToolChoice, parseTools } from './parse-tools.js';

/** Fields this codec turns into the canonical request. */
const modelledFields = [
  'model',
  'input',
  'instructions',
  'stream',
  'max_output_tokens',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'user',
];

/**
 * Fields about OpenAI's own service (storage, retention, tiers, telemetry ids, stream obfuscation): accepted and not
 * forwarded, since no upstream here speaks the Responses protocol and none changes the answer.
 */
const serviceFields = [
  'metadata',
  'store',
  'include',
  'truncation',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'service_tier',
  'stream_options',
  'background',
];

/** Fields that need state Meridian does not keep (stored responses, conversations, prompt templates): refused. */
const statefulFields = ['previous_response_id', 'conversation', 'prompt'];

const knownFields = new Set([...modelledFields, ...serviceFields, ...statefulFields]);

/**
 * Parses an OpenAI Responses request (`POST /v1/responses`) into the canonical request, stateless: the whole
 * conversation comes in `input`. Every other field no upstream protocol can take is named in a warning.
 */
export function parseRequest(
  input: unknown,
  bytes: Buffer | undefined,
  items: { readonly memory: ResponseItemMemory; readonly orgId: string | undefined },
): ParsedChatRequest {
  const { body, model } = readRequestHead(input);
  refuseStatefulFields(body);
  const warnings: Warning[] = [];
  const stream = readOptionalBoolean(body, 'stream', 'stream') ?? false;
  const tools = parseTools(body['tools'], warnings);
  const split = splitRequestFields(body, knownFields, 'openai-chat');
  for (const field of Object.keys(split.passthrough.fields)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: field,
      details: 'not a Responses field Meridian knows; ignored.',
    });
  }
  const request: ChatRequest = {
    model,
    messages: parseInput(body['input'], readOptionalString(body, 'instructions', 'instructions'), {
      ...items,
      warnings,
    }),
    stream,
    includeUsage: false,
    ...optional(
      'maxOutputTokens',
      readOptionalNumber(body, 'max_output_tokens', {
        minimum: 1,
        maximum: limits.maxOutputTokensMax,
        isInteger: true,
      }),
    ),
    ...optional('temperature', readOptionalNumber(body, 'temperature', { minimum: 0, maximum: 2 })),
    ...optional('topP', readOptionalNumber(body, 'top_p', { minimum: 0, maximum: 1 })),
    ...optional('tools', tools),
    ...optional('toolChoice', tools === undefined ? undefined : parseToolChoice(body['tool_choice'], warnings)),
    ...optional('parallelToolCalls', readOptionalBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls')),
    ...optional('responseFormat', parseTextFormat(body['text'])),
    ...optional('reasoning', parseReasoning(body['reasoning'])),
    ...optional('user', readOptionalString(body, 'user', 'user')),
    routingControls: split.routingControls,
    passthrough: { protocol: 'openai-chat', fields: parseTextVerbosity(body['text']) },
    ...optional('textLiterals', readTextLiterals(input, bytes)),
  };
  return { request, warnings };
}

function refuseStatefulFields(body: JsonObject): void {
  for (const field of statefulFields) {
    if (body[field] !== undefined && body[field] !== null) {
      throw invalid(
        field,
        'Meridian keeps no responses, conversations or prompts: send the whole conversation in input.',
      );
    }
  }
  if (body['background'] === true) throw invalid('background', 'background responses are not supported.');
}

/** OpenRouter's unified reasoning, and whether the client asked for OpenAI's reasoning summary (`summary`). */
function parseReasoning(value: unknown): ReasoningOptions | undefined {
  const reasoning = parseUnifiedReasoning(value);
  const summary = isObject(value) ? value['summary'] : undefined;
  const isSummary = summary === 'auto' || summary === 'concise' || summary === 'detailed';
  return isSummary ? { ...reasoning, summary: true } : reasoning;
}
