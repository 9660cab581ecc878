import { limits } from '../../../config/limits.js';
import type { AssistantPart, Message, TextPart, UserPart, Warning } from '../../../spec/index.js';
import { invalid, isObject, readOptionalString } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import type { ResponseItemMemory } from '../item-memory.js';
import { untagEncryptedContent, untagOpaqueBlock } from './encrypted-content.js';
import { scopeItemId } from './remember-items.js';

/** What reading items needs besides the items: the node's item memory, the caller's org, and the warnings. */
export interface ItemContext {
  readonly memory: ResponseItemMemory;
  /** The calling key's org; undefined: no `item_reference` resolves. */
  readonly orgId: string | undefined;
  readonly warnings: Warning[];
}

/**
 * OpenAI Responses `instructions` and `input` → canonical messages. `input` is a string (one user message) or a list
 * of items: messages (`input_text`, `input_image`, `output_text`, `refusal` parts), `function_call`,
 * `function_call_output`, `reasoning` items, and `item_reference`s to items this node rendered lately (`memory`).
 * Function calls and reasoning that follow an assistant message (or each other) join that assistant turn, as one
 * Chat Completions assistant message holds text and tool calls. What cannot be carried is named in `warnings`.
 */
export function parseInput(input: unknown, instructions: string | undefined, context: ItemContext): Message[] {
  const messages: Message[] = instructions === undefined ? [] : [systemMessage(instructions, false)];
  if (typeof input === 'string') return [...messages, { role: 'user', content: [{ type: 'text', text: input }] }];
  if (!Array.isArray(input) || input.length === 0) throw invalid('input', 'must be a string or a non-empty array.');
  if (input.length > limits.messagesCountMax) {
    throw invalid('input', `at most ${limits.messagesCountMax} items are accepted (limits.messagesCountMax).`);
  }
  input.forEach((item, index) => addItem(messages, item, `input[${index}]`, context));
  return messages;
}

function addItem(messages: Message[], item: unknown, param: string, { memory, orgId, warnings }: ItemContext): void {
  if (!isObject(item)) throw invalid(param, 'must be an object.');
  switch (itemType(item)) {
    case 'message':
      return addMessage(messages, item, param);
    case 'function_call':
      return addAssistantPart(messages, parseFunctionCall(item, param));
    case 'custom_tool_call':
      return addAssistantPart(messages, parseCustomToolCall(item, param));
    case 'function_call_output':
    case 'custom_tool_call_output':
      return void messages.push(parseFunctionCallOutput(item, param, warnings));
    case 'reasoning':
      return addAssistantPart(messages, parseReasoningItem(item, param));
    case 'item_reference':
      for (const part of recallItem(item, param, { memory, orgId })) addAssistantPart(messages, part);
      return;
    default:
      throw invalid(
        `${param}.type`,
        `${JSON.stringify(item['type'])} is not supported; use 'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'reasoning' or 'item_reference' items.`,
      );
  }
}

/** An item's type; both may go without it (`null` or absent): a message (it has a role) and an item reference. */
function itemType(item: JsonObject): unknown {
  const type = item['type'];
  if (type !== undefined && type !== null) return type;
  return item['role'] === undefined && item['id'] !== undefined ? 'item_reference' : 'message';
}

function addMessage(messages: Message[], item: JsonObject, param: string): void {
  const role = item['role'];
  const content = item['content'];
  switch (role) {
    case 'system':
    case 'developer':
      return void messages.push({ ...systemMessage('', role === 'developer'), content: parseText(content, param) });
    case 'user':
      return void messages.push({ role: 'user', content: parseUserContent(content, `${param}.content`) });
    case 'assistant':
      for (const part of parseAssistantContent(content, `${param}.content`)) addAssistantPart(messages, part);
      return;
    default:
      throw invalid(`${param}.role`, "must be one of 'user', 'assistant', 'system', 'developer'.");
  }
}

/**
 * An earlier output item by its id, from this node's memory of what it rendered (`limits.responsesItem*`) for the
 * caller's org: another org's item is unknown here, as is any item when the org is not known.
 */
function recallItem(
  item: JsonObject,
  param: string,
  { memory, orgId }: Pick<ItemContext, 'memory' | 'orgId'>,
): readonly AssistantPart[] {
  const id = item['id'];
  if (typeof id !== 'string' || id === '') throw invalid(`${param}.id`, 'must be a non-empty string.');
  const parts = orgId === undefined ? undefined : memory.recall(scopeItemId(orgId, id));
  if (parts === undefined) {
    throw invalid(
      `${param}.id`,
      `item '${id.slice(0, 100)}' is not known here: Meridian stores no responses and remembers the items it rendered for a limited time on the node that rendered them; send the whole item instead (store: false).`,
    );
  }
  return parts;
}

function systemMessage(text: string, isDeveloper: boolean): Message {
  return { role: 'system', content: [{ type: 'text', text }], ...(isDeveloper ? { isDeveloper: true } : {}) };
}

/** Appends to the assistant turn in progress, or opens one. */
function addAssistantPart(messages: Message[], part: AssistantPart): void {
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    messages[messages.length - 1] = { ...last, content: [...last.content, part] };
  } else {
    messages.push({ role: 'assistant', content: [part] });
  }
}

/** System and developer content: a string, or `input_text` parts. */
function parseText(value: unknown, param: string): TextPart[] {
  const parts = parseUserContent(value, `${param}.content`);
  return parts.map((part, index) => {
    if (part.type !== 'text') throw invalid(`${param}.content[${index}]`, 'must be an input_text part.');
    return part;
  });
}

function parseUserContent(value: unknown, param: string): UserPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'must be a string or an array of content parts.');
  return value.map((part, index) => parseUserPart(part, `${param}[${index}]`));
}

function parseUserPart(part: unknown, param: string): UserPart {
  if (!isObject(part)) throw invalid(param, 'must be an object.');
  switch (part['type']) {
    case 'input_text':
      return { type: 'text', text: readText(part, param) };
    case 'input_image': {
      const url = part['image_url'];
      if (typeof url !== 'string' || url === '') {
        throw invalid(
          `${param}.image_url`,
          'must be a non-empty string (an https or data: URL; file_id is not supported).',
        );
      }
      const detail = part['detail'];
      return detail === 'auto' || detail === 'low' || detail === 'high'
        ? { type: 'image', url, detail }
        : { type: 'image', url };
    }
    default:
      throw invalid(`${param}.type`, "must be 'input_text' or 'input_image'.");
  }
}

function parseAssistantContent(value: unknown, param: string): AssistantPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if (!Array.isArray(value)) throw invalid(param, 'must be a string or an array of content parts.');
  return value.flatMap((part, index): AssistantPart[] => {
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) throw invalid(partParam, 'must be an object.');
    switch (part['type']) {
      case 'output_text':
      case 'input_text':
        return [{ type: 'text', text: readText(part, partParam) }];
      case 'refusal':
        // The canonical assistant turn keeps a refusal as its text: the model said it, the next turn should see it.
        return [{ type: 'text', text: readText(part, partParam, 'refusal') }];
      default:
        throw invalid(`${partParam}.type`, "must be 'output_text' or 'refusal'.");
    }
  });
}

function readText(part: JsonObject, param: string, key = 'text'): string {
  const text = part[key];
  if (typeof text !== 'string') throw invalid(`${param}.${key}`, 'must be a string.');
  return text;
}

function parseFunctionCall(item: JsonObject, param: string): AssistantPart {
  const callId = item['call_id'];
  const name = item['name'];
  const args = item['arguments'];
  if (typeof callId !== 'string' || callId === '') throw invalid(`${param}.call_id`, 'must be a non-empty string.');
  if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
  if (typeof args !== 'string') throw invalid(`${param}.arguments`, 'must be a string of JSON.');
  return { type: 'tool-call', toolCallId: callId, toolName: name, arguments: args };
}

function parseCustomToolCall(item: JsonObject, param: string): AssistantPart {
  const callId = item['call_id'];
  const name = item['name'];
  const input = item['input'];
  if (typeof callId !== 'string' || callId === '') throw invalid(`${param}.call_id`, 'must be a non-empty string.');
  if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
  if (typeof input !== 'string') throw invalid(`${param}.input`, 'must be a string.');
  return { type: 'tool-call', toolCallId: callId, toolName: name, arguments: input, isCustom: true };
}

function parseFunctionCallOutput(item: JsonObject, param: string, warnings: Warning[]): Message {
  const callId = item['call_id'];
  if (typeof callId !== 'string' || callId === '') throw invalid(`${param}.call_id`, 'must be a non-empty string.');
  const output = item['output'];
  if (typeof output === 'string')
    return { role: 'tool', toolCallId: callId, content: [{ type: 'text', text: output }] };
  if (!Array.isArray(output)) throw invalid(`${param}.output`, 'must be a string or an array of content parts.');
  const content = output.flatMap((part, index) => parseOutputPart(part, `${param}.output[${index}]`, warnings));
  return { role: 'tool', toolCallId: callId, content };
}

/**
 * A tool output's part: its text, kept. The canonical tool result holds text only (as Chat Completions' tool message
 * does), so an image or a file is dropped with a warning, as non-text tool results are on the other routes.
 */
function parseOutputPart(part: unknown, param: string, warnings: Warning[]): TextPart[] {
  const type = isObject(part) ? part['type'] : undefined;
  if (type === 'input_image' || type === 'input_file') {
    const details = `a tool output holds only text here; this ${type} was dropped.`;
    warnings.push({ type: 'unsupported-setting', setting: param, details });
    return [];
  }
  if (!isObject(part) || type !== 'input_text')
    throw invalid(param, 'must be an input_text, input_image or input_file part.');
  return [{ type: 'text', text: readText(part, param) }];
}

/**
 * A reasoning item sent back: the signature the next turn must carry and the text it signs, from its
 * `encrypted_content` as Meridian wrote it (`encrypted-content.ts`); without them, its `content` reasoning_text
 * parts, else its summary. A whole block carried there (Anthropic `redacted_thinking`) is that block again.
 */
function parseReasoningItem(item: JsonObject, param: string): AssistantPart {
  const texts = [...readPartTexts(item['content'], `${param}.content`)];
  if (texts.length === 0) texts.push(...readPartTexts(item['summary'], `${param}.summary`));
  const encrypted = readOptionalString(item, 'encrypted_content', `${param}.encrypted_content`);
  const block = encrypted === undefined ? undefined : untagOpaqueBlock(encrypted);
  if (block !== undefined) return block;
  const signed = encrypted === undefined ? undefined : untagEncryptedContent(encrypted);
  if (signed === undefined) return { type: 'reasoning', text: texts.join('\n\n') };
  const { signature, signatureProtocol } = signed;
  return { type: 'reasoning', text: signed.text ?? texts.join('\n\n'), signature, signatureProtocol };
}

function readPartTexts(value: unknown, param: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(param, 'must be an array of text parts.');
  return value.map((part, index) => {
    if (!isObject(part) || typeof part['text'] !== 'string')
      throw invalid(`${param}[${index}].text`, 'must be a string.');
    return part['text'];
  });
}
