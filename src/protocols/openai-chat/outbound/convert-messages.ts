import type { OpenAIDialect } from '../../../catalog/catalog-types.js';
import type { AssistantPart, CacheControl, Message, TextPart, UserPart, Warning } from '../../../spec/index.js';
import { warnOpaqueToolContent } from '../../shared/warn-opaque-tool-content.js';
import { renderAssistantParts } from '../render-assistant-parts.js';
import { convertMarkedText, hasCacheMarker, wireCacheControl } from './convert-cache-markers.js';

type WireMessage = Record<string, unknown>;

/** Canonical messages → OpenAI wire messages for one upstream dialect. */
export function convertMessages(
  messages: readonly Message[],
  dialect: OpenAIDialect,
  warnings: Warning[],
): WireMessage[] {
  return messages.map((message) => convertMessage(message, dialect, warnings));
}

function convertMessage(message: Message, dialect: OpenAIDialect, warnings: Warning[]): WireMessage {
  switch (message.role) {
    case 'system': {
      const role = message.isDeveloper === true ? 'developer' : 'system';
      return withName({ role, content: convertText(message.content, dialect) }, message.name);
    }
    case 'user':
      return withName({ role: 'user', content: convertUserContent(message.content, dialect, warnings) }, message.name);
    case 'assistant':
      return withName(convertAssistant(message.content, message.refusal, dialect), message.name);
    case 'tool':
      warnOpaqueToolContent(message, 'openai-chat', warnings);
      return {
        role: 'tool',
        tool_call_id: message.toolCallId,
        content: convertText(message.content, dialect, message.cacheControl),
      };
    default: {
      const exhausted: never = message;
      return exhausted;
    }
  }
}

function withName(wire: WireMessage, name: string | undefined): WireMessage {
  if (name !== undefined) wire['name'] = name;
  return wire;
}

/**
 * Text blocks of a system prompt or a tool result as the one string these messages hold, a line apart; as text parts
 * with their prompt-cache markers when there are markers and the vendor takes them.
 */
function convertText(
  parts: readonly TextPart[],
  dialect: OpenAIDialect,
  trailing?: CacheControl,
): string | Record<string, unknown>[] {
  const isMarked = trailing !== undefined || hasCacheMarker(parts);
  if (dialect.sendsCacheControl && isMarked && parts.length > 0) return convertMarkedText(parts, trailing);
  return parts.length === 1 ? parts[0]!.text : parts.map((part) => part.text).join('\n');
}

/**
 * Parts another protocol could not express in this one (an Anthropic `document`, …) are dropped with a warning.
 * Prompt-cache markers go on their parts when the vendor takes them.
 */
function convertUserContent(
  parts: readonly UserPart[],
  dialect: OpenAIDialect,
  warnings: Warning[],
): string | unknown[] {
  const kept = parts.filter((part) => {
    if (part.type !== 'opaque' || part.protocol === 'openai-chat') return true;
    warnings.push({
      type: 'unsupported-setting',
      setting: 'content',
      details: `a ${describeOpaque(part.value)} part was dropped`,
    });
    return false;
  });
  const marks = dialect.sendsCacheControl;
  if (kept.length === 1 && kept[0]!.type === 'text' && !(marks && hasCacheMarker(kept))) return kept[0]!.text;
  return kept.map((part) => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text, ...(marks ? wireCacheControl(part.cacheControl) : {}) };
      case 'image':
        return {
          type: 'image_url',
          image_url: part.detail === undefined ? { url: part.url } : { url: part.url, detail: part.detail },
          ...(marks ? wireCacheControl(part.cacheControl) : {}),
        };
      case 'opaque':
        return part.value;
      default: {
        const exhausted: never = part;
        return exhausted;
      }
    }
  });
}

/**
 * Assistant turn. Reasoning text goes back under the dialect's field: DeepSeek and
 * Kimi reject a tool-call turn in thinking mode when its `reasoning_content` is missing.
 */
function convertAssistant(
  parts: readonly AssistantPart[],
  refusal: string | undefined,
  dialect: OpenAIDialect,
): WireMessage {
  const { text, reasoning, toolCalls } = renderAssistantParts(parts);
  const wire: WireMessage = { role: 'assistant', content: text };
  if (reasoning !== undefined) wire[dialect.reasoningField] = reasoning;
  if (toolCalls.length > 0) wire['tool_calls'] = toolCalls;
  if (refusal !== undefined) wire['refusal'] = refusal;
  return wire;
}

function describeOpaque(value: unknown): string {
  const type = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['type'] : undefined;
  return typeof type === 'string' ? `'${type.slice(0, 40)}'` : 'non-text';
}
