import { limits } from '../../../config/limits.js';
import type { AssistantPart, ImagePart, Message, TextPart, UserPart } from '../../../spec/index.js';
import { invalid, isObject, readOptionalString } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { readCacheControl } from '../../shared/read-cache-control.js';

/** Client `messages` → canonical messages; every error names the exact field. */
export function parseMessages(value: unknown): Message[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('messages', 'must be a non-empty array.');
  if (value.length > limits.messagesCountMax) {
    throw invalid('messages', `at most ${limits.messagesCountMax} messages are accepted (limits.messagesCountMax).`);
  }
  return value.map((item, index) => parseMessage(item, `messages[${index}]`));
}

function parseMessage(value: unknown, param: string): Message {
  if (!isObject(value)) throw invalid(param, 'must be an object.');
  const role = value['role'];
  const name = readOptionalString(value, 'name', `${param}.name`);
  switch (role) {
    case 'system':
    case 'developer':
      return {
        role: 'system',
        content: parseTextContent(value['content'], `${param}.content`),
        ...(name === undefined ? {} : { name }),
        ...(role === 'developer' ? { isDeveloper: true } : {}),
      };
    case 'user':
      return {
        role: 'user',
        content: parseUserContent(value['content'], `${param}.content`),
        ...(name === undefined ? {} : { name }),
      };
    case 'assistant':
      return parseAssistant(value, param, name);
    case 'tool': {
      const toolCallId = value['tool_call_id'];
      if (typeof toolCallId !== 'string' || toolCallId === '')
        throw invalid(`${param}.tool_call_id`, 'must be a non-empty string.');
      return { role: 'tool', toolCallId, content: parseTextContent(value['content'], `${param}.content`) };
    }
    default:
      throw invalid(`${param}.role`, "must be one of 'system', 'developer', 'user', 'assistant', 'tool'.");
  }
}

function parseTextContent(value: unknown, param: string): TextPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'must be a string or an array of text parts.');
  return value.map((part, index) => {
    if (!isObject(part) || part['type'] !== 'text' || typeof part['text'] !== 'string') {
      throw invalid(`${param}[${index}]`, "must be {type: 'text', text: string}.");
    }
    return withCacheControl({ type: 'text', text: part['text'] }, part, `${param}[${index}]`);
  });
}

/** A part with the prompt-cache breakpoint its wire part carries (OpenRouter's `cache_control`), if any. */
function withCacheControl<Part extends TextPart | ImagePart>(parsed: Part, part: JsonObject, param: string): Part {
  const cacheControl = readCacheControl(part, param);
  return cacheControl === undefined ? parsed : { ...parsed, cacheControl };
}

function parseUserContent(value: unknown, param: string): UserPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'must be a string or an array of content parts.');
  return value.map((part, index) => parseUserPart(part, `${param}[${index}]`));
}

function parseUserPart(part: unknown, param: string): UserPart {
  if (!isObject(part)) throw invalid(param, 'must be an object.');
  if (part['type'] === 'text') {
    if (typeof part['text'] !== 'string') throw invalid(`${param}.text`, 'must be a string.');
    return withCacheControl({ type: 'text', text: part['text'] }, part, param);
  }
  if (part['type'] === 'image_url') {
    const image = part['image_url'];
    const url = isObject(image) ? image['url'] : undefined;
    if (typeof url !== 'string' || url === '') throw invalid(`${param}.image_url.url`, 'must be a non-empty string.');
    const detail = isObject(image) ? image['detail'] : undefined;
    const isDetail = detail === 'auto' || detail === 'low' || detail === 'high';
    return withCacheControl({ type: 'image', url, ...(isDetail ? { detail } : {}) }, part, param);
  }
  return { type: 'opaque', protocol: 'openai-chat', value: part };
}

function parseAssistant(value: JsonObject, param: string, name: string | undefined): Message {
  const content: AssistantPart[] = [];
  const reasoning = value['reasoning_content'] ?? value['reasoning'];
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
  const text = value['content'];
  if (typeof text === 'string') {
    if (text !== '') content.push({ type: 'text', text });
  } else if (Array.isArray(text)) {
    text.forEach((part, index) => content.push(parseAssistantPart(part, `${param}.content[${index}]`)));
  } else if (text !== undefined && text !== null) {
    throw invalid(`${param}.content`, 'must be a string, an array of parts, or null.');
  }
  const toolCalls = value['tool_calls'];
  if (toolCalls !== undefined && toolCalls !== null) {
    if (!Array.isArray(toolCalls)) throw invalid(`${param}.tool_calls`, 'must be an array.');
    toolCalls.forEach((call, index) => content.push(parseToolCall(call, `${param}.tool_calls[${index}]`)));
  }
  const refusal = readOptionalString(value, 'refusal', `${param}.refusal`);
  return {
    role: 'assistant',
    content,
    ...(name === undefined ? {} : { name }),
    ...(refusal === undefined ? {} : { refusal }),
  };
}

function parseAssistantPart(part: unknown, param: string): AssistantPart {
  if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string')
    return { type: 'text', text: part['text'] };
  if (!isObject(part)) throw invalid(param, 'must be an object.');
  return { type: 'opaque', protocol: 'openai-chat', value: part };
}

function parseToolCall(call: unknown, param: string): AssistantPart {
  if (!isObject(call)) throw invalid(param, 'must be an object.');
  const id = call['id'];
  const fn = call['function'];
  if (typeof id !== 'string' || id === '') throw invalid(`${param}.id`, 'must be a non-empty string.');
  if (call['type'] === 'custom') return parseCustomToolCall(id, call['custom'], `${param}.custom`);
  if (!isObject(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') {
    throw invalid(`${param}.function.name`, 'must be a non-empty string.');
  }
  const args = fn['arguments'];
  if (args !== undefined && typeof args !== 'string')
    throw invalid(`${param}.function.arguments`, 'must be a string of JSON.');
  return { type: 'tool-call', toolCallId: id, toolName: fn['name'], arguments: args ?? '' };
}

/** A custom tool's call: `{id, type: 'custom', custom: {name, input}}`, its input free-form text. */
function parseCustomToolCall(id: string, custom: unknown, param: string): AssistantPart {
  if (!isObject(custom) || typeof custom['name'] !== 'string' || custom['name'] === '') {
    throw invalid(`${param}.name`, 'must be a non-empty string.');
  }
  const input = custom['input'];
  if (input !== undefined && typeof input !== 'string') throw invalid(`${param}.input`, 'must be a string.');
  return { type: 'tool-call', toolCallId: id, toolName: custom['name'], arguments: input ?? '', isCustom: true };
}
