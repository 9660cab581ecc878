import type { AssistantPart } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';
import type { ToolCallIdSource } from './create-tool-call-id.js';

/** One candidate's parts in canonical form, and whether it called a function. */
export interface ReadParts {
  readonly content: AssistantPart[];
  readonly hasToolCalls: boolean;
}

/**
 * A candidate's Gemini parts → canonical assistant parts, in order. `{text, thought: true}` is
 * reasoning; a `thoughtSignature` on any part becomes an empty reasoning part carrying it, placed
 * just before that part, so it can be sent back at the same position (see convert-assistant-parts).
 * A function call without an id gets one from `createToolCallId`, which names the calls of one response (see
 * create-tool-call-id). Parts the canonical model does not know (executableCode, inlineData, …) stay as opaque
 * Gemini parts.
 */
export function readParts(parts: unknown, choice: number, createToolCallId: ToolCallIdSource): ReadParts {
  const content: AssistantPart[] = [];
  let toolCallCount = 0;
  for (const item of Array.isArray(parts) ? parts : []) {
    const part = asObject(item);
    if (part === undefined) continue;
    const { thoughtSignature: signature, ...rest } = part;
    if (typeof signature === 'string' && signature !== '')
      content.push({ type: 'reasoning', text: '', signature, signatureProtocol: 'gemini' });
    const call = asObject(part['functionCall']);
    if (call !== undefined) {
      content.push({
        type: 'tool-call',
        toolCallId:
          typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : createToolCallId(choice, toolCallCount),
        toolName: typeof call['name'] === 'string' ? call['name'] : '',
        arguments: JSON.stringify(call['args'] ?? {}),
      });
      toolCallCount += 1;
    } else if (typeof part['text'] === 'string') {
      if (part['text'] !== '')
        content.push({ type: part['thought'] === true ? 'reasoning' : 'text', text: part['text'] });
    } else if (Object.keys(rest).some((key) => key !== 'thought')) {
      content.push({ type: 'opaque', protocol: 'gemini', value: rest });
    }
  }
  return { content, hasToolCalls: toolCallCount > 0 };
}
