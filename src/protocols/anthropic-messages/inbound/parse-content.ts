import { limits } from '../../../config/limits.js';
import type { AssistantPart, Message, OpaquePart, TextPart, UserPart } from '../../../spec/index.js';
import { invalid, isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { readCacheControl } from '../../shared/read-cache-control.js';
import { untagSignature } from './signature-tag.js';

/**
 * Anthropic `messages` → canonical messages. A user turn's `tool_result` blocks
 * become canonical `tool` messages placed before the rest of that turn, which is
 * the order every other protocol expects. Every error names the exact field.
 */
export function parseMessages(value: unknown): Message[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('messages', 'must be a non-empty array.');
  if (value.length > limits.messagesCountMax) {
    throw invalid('messages', `at most ${limits.messagesCountMax} messages are accepted (limits.messagesCountMax).`);
  }
  const messages: Message[] = [];
  value.forEach((item, index) => {
    const param = `messages[${index}]`;
    if (!isObject(item)) throw invalid(param, 'must be an object.');
    const blocks = readBlocks(item['content'], `${param}.content`);
    if (item['role'] === 'user') messages.push(...parseUserTurn(blocks, param));
    else if (item['role'] === 'assistant') messages.push(parseAssistantTurn(blocks, param));
    else throw invalid(`${param}.role`, "must be 'user' or 'assistant'.");
  });
  return messages;
}

/** `system`: a string or an array of text blocks. */
export function parseSystem(value: unknown): Message[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string')
    return value === '' ? [] : [{ role: 'system', content: [{ type: 'text', text: value }] }];
  if (!Array.isArray(value)) throw invalid('system', 'must be a string or an array of text blocks.');
  const content = value.map((block, index) => parseTextBlock(block, `system[${index}]`));
  return content.length === 0 ? [] : [{ role: 'system', content }];
}

function readBlocks(content: unknown, param: string): { readonly block: JsonObject; readonly param: string }[] {
  if (typeof content === 'string') return [{ block: { type: 'text', text: content }, param }];
  if (!Array.isArray(content)) throw invalid(param, 'must be a string or an array of content blocks.');
  return content.map((block, index) => {
    const blockParam = `${param}[${index}]`;
    if (!isObject(block) || typeof block['type'] !== 'string') throw invalid(`${blockParam}.type`, 'must be a string.');
    return { block, param: blockParam };
  });
}

function parseUserTurn(blocks: ReturnType<typeof readBlocks>, param: string): Message[] {
  const toolResults: Message[] = [];
  const content: UserPart[] = [];
  for (const { block, param: blockParam } of blocks) {
    if (block['type'] === 'tool_result') toolResults.push(parseToolResult(block, blockParam));
    else content.push(parseUserBlock(block, blockParam));
  }
  if (content.length === 0 && toolResults.length === 0) throw invalid(`${param}.content`, 'must not be empty.');
  return content.length === 0 ? toolResults : [...toolResults, { role: 'user', content }];
}

function parseUserBlock(block: JsonObject, param: string): UserPart {
  switch (block['type']) {
    case 'text':
      return parseTextBlock(block, param);
    case 'image':
      return parseImageBlock(block, param);
    default:
      // Documents, search results and future block types reach Anthropic upstreams unchanged.
      return { type: 'opaque', protocol: 'anthropic-messages', value: block };
  }
}

function parseAssistantTurn(blocks: ReturnType<typeof readBlocks>, param: string): Message {
  const content: AssistantPart[] = blocks.map(({ block, param: blockParam }) => parseAssistantBlock(block, blockParam));
  if (content.length === 0) throw invalid(`${param}.content`, 'must not be empty.');
  return { role: 'assistant', content };
}

function parseAssistantBlock(block: JsonObject, param: string): AssistantPart {
  switch (block['type']) {
    case 'text':
      return parseTextBlock(block, param);
    case 'thinking': {
      const thinking = requireString(block, 'thinking', param);
      const signature = block['signature'];
      return typeof signature === 'string' && signature !== ''
        ? { type: 'reasoning', text: thinking, ...untagSignature(signature) }
        : { type: 'reasoning', text: thinking };
    }
    case 'tool_use': {
      const input = block['input'];
      if (!isObject(input)) throw invalid(`${param}.input`, 'must be an object.');
      const cacheControl = readCacheControl(block, param);
      return {
        type: 'tool-call',
        toolCallId: requireString(block, 'id', param),
        toolName: requireString(block, 'name', param),
        arguments: JSON.stringify(input),
        ...(cacheControl === undefined ? {} : { cacheControl }),
      };
    }
    default:
      return { type: 'opaque', protocol: 'anthropic-messages', value: block };
  }
}

function parseToolResult(block: JsonObject, param: string): Message {
  const toolCallId = requireString(block, 'tool_use_id', param);
  const cacheControl = readCacheControl(block, param);
  return {
    role: 'tool',
    toolCallId,
    ...parseToolResultContent(block['content'], `${param}.content`),
    ...(block['is_error'] === true ? { isError: true } : {}),
    ...(cacheControl === undefined ? {} : { cacheControl }),
  };
}

/**
 * A tool result's content: a string, or blocks. Text blocks become the canonical `content`. With any other block
 * (an image, a document, a search result) the whole array is kept too, for Anthropic upstreams; other upstreams get
 * the text, with a warning from their adapter.
 */
function parseToolResultContent(
  value: unknown,
  param: string,
): { readonly content: TextPart[]; readonly opaqueContent?: OpaquePart } {
  if (value === undefined || value === null) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (!Array.isArray(value)) throw invalid(param, 'must be a string or an array of content blocks.');
  const content: TextPart[] = [];
  let hasOtherBlocks = false;
  value.forEach((part, index) => {
    if (!isObject(part) || typeof part['type'] !== 'string')
      throw invalid(`${param}[${index}].type`, 'must be a string.');
    if (part['type'] === 'text') content.push(parseTextBlock(part, `${param}[${index}]`));
    else hasOtherBlocks = true;
  });
  return hasOtherBlocks
    ? { content, opaqueContent: { type: 'opaque', protocol: 'anthropic-messages', value } }
    : { content };
}

export function parseTextBlock(block: unknown, param: string): TextPart {
  if (!isObject(block) || block['type'] !== 'text') throw invalid(`${param}.type`, "must be 'text'.");
  const text = requireString(block, 'text', param, true);
  const cacheControl = readCacheControl(block, param);
  return cacheControl === undefined ? { type: 'text', text } : { type: 'text', text, cacheControl };
}

function parseImageBlock(block: JsonObject, param: string): UserPart {
  const source = block['source'];
  if (!isObject(source)) throw invalid(`${param}.source`, 'must be an object.');
  const cacheControl = readCacheControl(block, param);
  const extra = cacheControl === undefined ? {} : { cacheControl };
  if (source['type'] === 'base64') {
    const mediaType = requireString(source, 'media_type', `${param}.source`);
    const data = requireString(source, 'data', `${param}.source`);
    return { type: 'image', url: `data:${mediaType};base64,${data}`, ...extra };
  }
  if (source['type'] === 'url')
    return { type: 'image', url: requireString(source, 'url', `${param}.source`), ...extra };
  return { type: 'opaque', protocol: 'anthropic-messages', value: block };
}

function requireString(object: JsonObject, key: string, param: string, allowEmpty = false): string {
  const value = object[key];
  if (typeof value !== 'string' || (!allowEmpty && value === '')) {
    throw invalid(`${param}.${key}`, allowEmpty ? 'must be a string.' : 'must be a non-empty string.');
  }
  return value;
}
