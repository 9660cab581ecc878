import type { Message, Warning } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertAssistantParts, convertCacheControl, convertTextPart, convertUserParts } from './convert-parts.js';

export interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  readonly content: JsonObject[];
}

export interface ConvertedMessages {
  /** The top-level `system` blocks, in order; empty when there is no system prompt. */
  readonly system: JsonObject[];
  readonly messages: AnthropicMessage[];
}

/**
 * Canonical messages → Anthropic `system` and `messages`. System messages (wherever
 * they are) become the top-level `system`. Tool results become `tool_result` blocks
 * in user turns. Anthropic wants roles to alternate, so consecutive turns of the same
 * role are merged, and in a user turn the `tool_result` blocks come first (Anthropic
 * requires them right after the assistant's `tool_use`). Turns left without any block
 * (an assistant turn that held only unsigned reasoning) are skipped. Message `name`s are dropped with a warning.
 */
export function convertMessages(messages: readonly Message[], warnings: Warning[]): ConvertedMessages {
  const system: JsonObject[] = [];
  const turns: AnthropicMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        for (const part of message.content) if (part.text !== '') system.push(convertTextPart(part));
        break;
      case 'user':
        appendTurn(turns, 'user', convertUserParts(message.content, warnings));
        break;
      case 'assistant':
        appendTurn(turns, 'assistant', convertAssistantParts(message.content, warnings));
        break;
      case 'tool':
        appendTurn(turns, 'user', [convertToolResult(message)]);
        break;
      default: {
        const exhausted: never = message;
        return exhausted;
      }
    }
  }
  warnNames(messages, warnings);
  return { system, messages: turns.map(putToolResultsFirst) };
}

/** OpenAI's participant `name`s have no Anthropic field: they are dropped, and turns of two names may merge. */
function warnNames(messages: readonly Message[], warnings: Warning[]): void {
  if (!messages.some((message) => message.role !== 'tool' && message.name !== undefined)) return;
  warnings.push({
    type: 'unsupported-setting',
    setting: 'messages[].name',
    details: 'Anthropic has no participant names; consecutive turns of one role are merged',
  });
}

function appendTurn(turns: AnthropicMessage[], role: AnthropicMessage['role'], blocks: JsonObject[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function putToolResultsFirst(turn: AnthropicMessage): AnthropicMessage {
  if (turn.role !== 'user') return turn;
  const results = turn.content.filter((block) => block['type'] === 'tool_result');
  if (results.length === 0 || results.length === turn.content.length) return turn;
  return { role: 'user', content: [...results, ...turn.content.filter((block) => block['type'] !== 'tool_result')] };
}

/**
 * A tool message → `tool_result`; an Anthropic client's blocks (images, documents) are sent as it wrote them. Else one
 * plain text part is sent as a string, anything else as text blocks.
 */
function convertToolResult(message: Extract<Message, { role: 'tool' }>): JsonObject {
  const parts = message.content;
  const first = parts[0];
  const block: JsonObject = { type: 'tool_result', tool_use_id: message.toolCallId };
  const opaque = message.opaqueContent;
  if (opaque?.protocol === 'anthropic-messages') block['content'] = opaque.value;
  else if (parts.length === 1 && first !== undefined && first.cacheControl === undefined) block['content'] = first.text;
  else if (parts.length > 0) block['content'] = parts.map(convertTextPart);
  if (message.isError === true) block['is_error'] = true;
  if (message.cacheControl !== undefined) block['cache_control'] = convertCacheControl(message.cacheControl);
  return block;
}
