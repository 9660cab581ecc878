import type { AssistantPart, ToolCallPart, Warning } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { isCreatedToolCallId } from './create-tool-call-id.js';

/**
 * An assistant turn → Gemini `model` parts.
 *
 * Gemini does not take its thoughts back as input, so reasoning TEXT is dropped. Its thought
 * signatures must go back, at the exact position they came from: the response reader puts each
 * `thoughtSignature` in an empty reasoning part just before the part that carried it, and here
 * that signature is attached to the next part of the turn. A signature with no part after it is
 * sent on an empty text part, as Gemini itself sends it at the end of a stream.
 */
export function convertAssistantParts(
  parts: readonly AssistantPart[],
  refusal: string | undefined,
  warnings: Warning[],
): JsonObject[] {
  const wire: JsonObject[] = [];
  let signature: string | undefined;
  const push = (part: JsonObject): void => {
    wire.push(signature === undefined ? part : { ...part, thoughtSignature: signature });
    signature = undefined;
  };
  for (const part of parts) {
    switch (part.type) {
      case 'reasoning':
        // Only Gemini's own thought signatures go back (an Anthropic signature would be rejected).
        if (part.signature === undefined || part.signature === '' || part.signatureProtocol !== 'gemini') break;
        if (signature !== undefined) push({ text: '' });
        signature = part.signature;
        break;
      case 'text':
        push({ text: part.text });
        break;
      case 'tool-call':
        push({ functionCall: convertToolCall(part, warnings) });
        break;
      case 'opaque': {
        const value = part.protocol === 'gemini' ? asObject(part.value) : undefined;
        if (value !== undefined) push(value);
        else warnings.push({ type: 'other', message: `An assistant ${part.protocol} content part was dropped.` });
        break;
      }
      default: {
        const exhausted: never = part;
        return exhausted;
      }
    }
  }
  if (refusal !== undefined && refusal !== '') push({ text: refusal });
  if (signature !== undefined) push({ text: '' });
  return wire;
}

function convertToolCall(part: ToolCallPart, warnings: Warning[]): JsonObject {
  return {
    ...(isCreatedToolCallId(part.toolCallId) ? {} : { id: part.toolCallId }),
    name: part.toolName,
    args: parseArguments(part, warnings),
  };
}

/** Gemini wants `args` as a JSON object; text that is not one is sent as `{}`, with a warning. */
function parseArguments(part: ToolCallPart, warnings: Warning[]): JsonObject {
  if (part.arguments.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(part.arguments);
  } catch {
    parsed = undefined;
  }
  const args = asObject(parsed);
  if (args !== undefined) return args;
  warnings.push({
    type: 'other',
    message: `The arguments of tool call ${part.toolCallId} are not a JSON object; sent to Gemini as {}.`,
  });
  return {};
}
