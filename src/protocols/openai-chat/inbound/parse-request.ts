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
import { isReasoningEffort, parseUnifiedReasoning, reasoningEfforts } from '../../shared/parse-unified-reasoning.js';
import { readRequestHead, splitRequestFields } from '../../shared/split-request-fields.js';
import { parseMessages } from './parse-messages.js';
import { readTextLiterals } from '../../shared/read-text-literals.js';
import { parseResponseFormat, parseToolChoice, parseTools } from './parse-tools.js';

/** Fields this codec models; everything else passes through to OpenAI-compatible upstreams. */
const modelledFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'reasoning',
  'enable_thinking',
  'thinking_budget',
  'user',
]);
/** The same, with `top_k` when it is read as the canonical top-k (`readTopK`). */
const modelledFieldsWithTopK = new Set([...modelledFields, 'top_k']);

/**
 * Parses an OpenAI Chat Completions request body into the canonical request.
 * Strict on what it models (each error names its field), and never drops a field
 * it does not know: those pass through to OpenAI-compatible upstreams. Given the
 * body's bytes, it notes the long strings written in them (`textLiterals`), for
 * an upstream body to reuse.
 */
export function parseRequest(input: unknown, bytes?: Buffer): ParsedChatRequest {
  const { body, model } = readRequestHead(input);
  const warnings: Warning[] = [];
  const stream = readOptionalBoolean(body, 'stream', 'stream') ?? false;
  const streamOptions = body['stream_options'];
  const includeUsage = isObject(streamOptions) && streamOptions['include_usage'] === true;
  const maxOutputTokens = readMaxOutputTokens(body, warnings);
  const tools = parseTools(body['tools']);
  const toolChoice = parseToolChoice(body['tool_choice']);
  const responseFormat = parseResponseFormat(body['response_format']);
  const reasoning = parseReasoning(body);
  const topK = readTopK(body);
  const request: ChatRequest = {
    model,
    messages: parseMessages(body['messages']),
    stream,
    includeUsage: stream && includeUsage,
    ...optional('maxOutputTokens', maxOutputTokens),
    ...optional('temperature', readOptionalNumber(body, 'temperature', { minimum: 0, maximum: 2 })),
    ...optional('topP', readOptionalNumber(body, 'top_p', { minimum: 0, maximum: 1 })),
    ...optional('topK', topK),
    ...optional('stop', parseStop(body['stop'])),
    ...optional(
      'seed',
      readOptionalNumber(body, 'seed', {
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        isInteger: true,
      }),
    ),
    ...optional('n', readOptionalNumber(body, 'n', { minimum: 1, maximum: limits.choicesCountMax, isInteger: true })),
    ...optional('presencePenalty', readOptionalNumber(body, 'presence_penalty', { minimum: -2, maximum: 2 })),
    ...optional('frequencyPenalty', readOptionalNumber(body, 'frequency_penalty', { minimum: -2, maximum: 2 })),
    ...optional('tools', tools),
    ...optional('toolChoice', toolChoice),
    ...optional('parallelToolCalls', readOptionalBoolean(body, 'parallel_tool_calls', 'parallel_tool_calls')),
    ...optional('responseFormat', responseFormat),
    ...optional('reasoning', reasoning),
    ...optional('user', readOptionalString(body, 'user', 'user')),
    ...splitRequestFields(body, topK === undefined ? modelledFields : modelledFieldsWithTopK, 'openai-chat'),
    ...optional('textLiterals', readTextLiterals(input, bytes)),
  };
  return { request, warnings };
}

/**
 * `top_k`, not OpenAI's but an extension OpenRouter and many OpenAI-compatible servers take. A positive integer is the
 * canonical top-k, so it reaches Anthropic (`top_k`) and Gemini (`topK`) upstreams too. Any other value (vLLM's -1 or a
 * 0, both "no limit") is left as an unknown field: it passes through to OpenAI-compatible upstreams as the client wrote
 * it, as before, and is dropped with a warning elsewhere.
 */
function readTopK(body: JsonObject): number | undefined {
  const value = body['top_k'];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function readMaxOutputTokens(body: JsonObject, warnings: Warning[]): number | undefined {
  const bounds = { minimum: 1, maximum: limits.maxOutputTokensMax, isInteger: true };
  const completion = readOptionalNumber(body, 'max_completion_tokens', bounds);
  const legacy = readOptionalNumber(body, 'max_tokens', bounds);
  if (completion !== undefined && legacy !== undefined && completion !== legacy) {
    warnings.push({
      type: 'other',
      message: `max_tokens (${legacy}) ignored: max_completion_tokens (${completion}) wins.`,
    });
  }
  return completion ?? legacy;
}

function parseStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= 16 && value.every((item) => typeof item === 'string')) return value;
  throw invalid('stop', 'must be a string or an array of at most 16 strings.');
}

function parseReasoning(body: JsonObject): ReasoningOptions | undefined {
  const effort = body['reasoning_effort'];
  if (effort !== undefined && effort !== null && (typeof effort !== 'string' || !isReasoningEffort(effort))) {
    throw invalid('reasoning_effort', `must be one of ${reasoningEfforts.join(', ')}.`);
  }
  return (
    parseUnifiedReasoning(body['reasoning'], typeof effort === 'string' ? effort : undefined) ?? parseQwenThinking(body)
  );
}

/** Qwen's `enable_thinking` (+ `thinking_budget`), so Qwen-style clients can switch reasoning on any upstream. */
function parseQwenThinking(body: JsonObject): ReasoningOptions | undefined {
  const isEnabled = readOptionalBoolean(body, 'enable_thinking', 'enable_thinking');
  const budget = readOptionalNumber(body, 'thinking_budget', {
    minimum: 1,
    maximum: limits.maxOutputTokensMax,
    isInteger: true,
  });
  if (isEnabled === false) return { effort: 'none' };
  if (isEnabled === undefined && budget === undefined) return undefined;
  // Switched on with no effort named: each upstream's own default.
  return budget === undefined ? {} : { maxTokens: budget };
}
