import { GatewayError } from '../../../errors/index.js';
import type { AssistantPart, ChatResult, Usage } from '../../../spec/index.js';
import { createUnknownUsage } from '../../../spec/index.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertUsage } from './convert-usage.js';
import { readFinishReason } from './map-stop-reason.js';

/**
 * An Anthropic `message` → canonical result with one choice. Blocks keep their
 * order; text keeps its citations, the finish reason its stop sequence. Blocks the canonical model cannot express (`redacted_thinking`, server
 * tool calls and results, anything newer) become opaque parts, so an Anthropic
 * client still gets them back verbatim.
 */
export function readResponse(json: unknown): ChatResult {
  const content = isObject(json) ? json['content'] : undefined;
  if (!isObject(json) || !Array.isArray(content)) {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: 'The provider answered without a `content` array.',
      isRetryable: true,
    });
  }
  const parts: AssistantPart[] = [];
  for (const block of content) {
    const part = isObject(block) ? readBlock(block) : undefined;
    if (part !== undefined) parts.push(part);
  }
  return {
    upstreamId: typeof json['id'] === 'string' ? json['id'] : undefined,
    choices: [{ index: 0, content: parts, finishReason: readFinishReason(json['stop_reason'], json['stop_sequence']) }],
    usage: convertUsage(json['usage']) ?? createUnknownUsage(),
  };
}

/**
 * The usage of an upstream JSON answer, read apart from the rest: an answer {@link readResponse} refuses (no choice)
 * may still say what the provider billed for it. Undefined when it reports none.
 */
export function readResponseUsage(json: unknown): Usage | undefined {
  return isObject(json) ? convertUsage(json['usage']) : undefined;
}

function readBlock(block: JsonObject): AssistantPart | undefined {
  switch (block['type']) {
    case 'text':
      return typeof block['text'] === 'string' && block['text'] !== ''
        ? { type: 'text', text: block['text'], ...readCitations(block['citations']) }
        : undefined;
    case 'thinking': {
      const signature = block['signature'];
      return {
        type: 'reasoning',
        text: typeof block['thinking'] === 'string' ? block['thinking'] : '',
        ...(typeof signature === 'string' && signature !== '' ? { signature } : {}),
      };
    }
    case 'tool_use':
      return {
        type: 'tool-call',
        toolCallId: typeof block['id'] === 'string' ? block['id'] : '',
        toolName: typeof block['name'] === 'string' ? block['name'] : '',
        arguments: JSON.stringify(block['input'] ?? {}),
      };
    default:
      return { type: 'opaque', protocol: 'anthropic-messages', value: block };
  }
}

/** A text block's `citations`, kept when there are any (Anthropic clients get them back). */
export function readCitations(value: unknown): { readonly citations?: readonly unknown[] } {
  return Array.isArray(value) && value.length > 0 ? { citations: value } : {};
}
