import { GatewayError } from '../../../errors/index.js';
import type { AssistantPart, ChatChoice, ChatResult, Usage } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import { convertUsage } from './convert-usage.js';
import { mapFinishReason } from './map-finish-reason.js';

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * An OpenAI-compatible `chat.completion` → canonical result; lenient on every optional field. An answer without any
 * choice (`choices: []`, some servers' answer to a filtered or failed generation) is as invalid as one without the
 * array: the client would get nothing to read, and a stream that ends without output is refused the same way.
 */
export function readResponse(json: unknown): ChatResult {
  const body = asObject(json);
  const choices = body?.['choices'];
  if (body === undefined || !Array.isArray(choices) || choices.length === 0) {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message:
        Array.isArray(choices) && choices.length === 0
          ? 'The provider answered without any choice (`choices` is empty).'
          : 'The provider answered without a `choices` array.',
      isRetryable: true,
    });
  }
  const fingerprint = body['system_fingerprint'];
  return {
    upstreamId: typeof body['id'] === 'string' ? body['id'] : undefined,
    choices: choices.map((choice, position) => readChoice(asObject(choice) ?? {}, position)),
    usage: convertUsage(body['usage']) ?? createUnknownUsage(),
    ...(typeof fingerprint === 'string' ? { systemFingerprint: fingerprint } : {}),
  };
}

/**
 * The usage of an upstream JSON answer, read apart from the rest: an answer {@link readResponse} refuses (no choice)
 * may still say what the provider billed for it. Undefined when it reports none.
 */
export function readResponseUsage(json: unknown): Usage | undefined {
  return convertUsage(asObject(json)?.['usage']);
}

function readChoice(choice: Json, position: number): ChatChoice {
  const message = asObject(choice['message']) ?? {};
  const content: AssistantPart[] = [];
  const reasoning = message['reasoning_content'] ?? message['reasoning'];
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
  if (typeof message['content'] === 'string' && message['content'] !== '')
    content.push({ type: 'text', text: message['content'] });
  const toolCalls = message['tool_calls'];
  if (Array.isArray(toolCalls)) {
    for (const item of toolCalls) {
      const call = readToolCall(asObject(item));
      if (call !== undefined) content.push(call);
    }
  }
  const refusal = message['refusal'];
  return {
    index: typeof choice['index'] === 'number' ? choice['index'] : position,
    content,
    finishReason: mapFinishReason(choice['finish_reason']),
    ...(typeof refusal === 'string' ? { refusal } : {}),
    ...(choice['logprobs'] === undefined || choice['logprobs'] === null ? {} : { logprobs: choice['logprobs'] }),
  };
}

/** A function call, or a custom tool's call (`{type: 'custom', custom: {name, input}}`, its input free-form text). */
function readToolCall(call: Json | undefined): AssistantPart | undefined {
  const fn = asObject(call?.['function']);
  const custom = asObject(call?.['custom']);
  if (call === undefined || (fn === undefined && custom === undefined)) return undefined;
  const toolCallId = typeof call['id'] === 'string' ? call['id'] : '';
  if (fn === undefined) {
    const input = custom?.['input'];
    const toolName = typeof custom?.['name'] === 'string' ? custom['name'] : '';
    return {
      type: 'tool-call',
      toolCallId,
      toolName,
      arguments: typeof input === 'string' ? input : '',
      isCustom: true,
    };
  }
  return {
    type: 'tool-call',
    toolCallId,
    toolName: typeof fn['name'] === 'string' ? fn['name'] : '',
    arguments: typeof fn['arguments'] === 'string' ? fn['arguments'] : JSON.stringify(fn['arguments'] ?? {}),
  };
}
