import { GatewayError } from '../../../errors/index.js';
import type { Message, Warning } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { warnOpaqueToolContent } from '../../shared/warn-opaque-tool-content.js';
import { convertAssistantParts } from './convert-assistant-parts.js';
import { convertUserPart } from './convert-user-part.js';
import { isCreatedToolCallId } from './create-tool-call-id.js';

interface WireContent {
  readonly role: 'user' | 'model';
  readonly parts: JsonObject[];
}

export interface ConvertedContents {
  /** Every system message's text, in order; undefined when there is none. */
  readonly systemInstruction: { readonly parts: readonly JsonObject[] } | undefined;
  readonly contents: readonly WireContent[];
}

/**
 * Canonical messages → Gemini `systemInstruction` and `contents`. System messages are hoisted
 * wherever they appear (Gemini has one system instruction). Tool results are `user` turns with
 * `functionResponse` parts, and consecutive turns of one role are merged, so parallel results
 * travel together as Gemini expects. Turns left with no parts are skipped (Gemini rejects them).
 */
export function convertContents(messages: readonly Message[], warnings: Warning[]): ConvertedContents {
  const systemParts: JsonObject[] = [];
  const contents: WireContent[] = [];
  messages.forEach((message, position) => {
    switch (message.role) {
      case 'system':
        systemParts.push(...message.content.map((part) => ({ text: part.text })));
        break;
      case 'user':
        append(
          contents,
          'user',
          message.content.flatMap<JsonObject>((part) => convertUserPart(part, warnings) ?? []),
        );
        break;
      case 'assistant':
        append(contents, 'model', convertAssistantParts(message.content, message.refusal, warnings));
        break;
      case 'tool':
        warnOpaqueToolContent(message, 'gemini', warnings);
        append(contents, 'user', [convertToolResult(message, findToolName(messages, position, message.toolCallId))]);
        break;
      default: {
        const exhausted: never = message;
        return exhausted;
      }
    }
  });
  if (messages.some((message) => message.role !== 'tool' && message.name !== undefined)) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'messages[].name',
      details: 'Gemini has no participant names',
    });
  }
  return { systemInstruction: systemParts.length === 0 ? undefined : { parts: systemParts }, contents };
}

function append(contents: WireContent[], role: WireContent['role'], parts: readonly JsonObject[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts: [...parts] });
}

type ToolMessage = Extract<Message, { role: 'tool' }>;

/**
 * A tool result as a `functionResponse`. Gemini's `response` is a JSON object with keys of our
 * choosing: the text goes under `result`, or under `error` when the tool reported a failure.
 */
function convertToolResult(message: ToolMessage, name: string): JsonObject {
  const text = message.content.map((part) => part.text).join('\n');
  return {
    functionResponse: {
      ...(isCreatedToolCallId(message.toolCallId) ? {} : { id: message.toolCallId }),
      name,
      response: message.isError === true ? { error: text } : { result: text },
    },
  };
}

/**
 * Gemini pairs a result with its call by function NAME, which the canonical tool message lacks:
 * it is taken from the nearest earlier assistant call with the same id (ids of earlier gateway versions,
 * `call_<candidate>_<position>`, repeat across turns, so the nearest one is the right one).
 */
function findToolName(messages: readonly Message[], position: number, toolCallId: string): string {
  for (let index = position - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role !== 'assistant') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call' && part.toolCallId === toolCallId) return part.toolName;
    }
  }
  throw new GatewayError({
    code: 'invalid_request',
    message: `The tool result for tool_call_id "${toolCallId}" does not follow an assistant tool call with that id; Gemini needs the tool's name.`,
  });
}
