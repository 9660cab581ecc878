import type { AssistantPart } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import { tagSignature } from './signature-tag.js';

/** Tool arguments as the object Anthropic clients expect; unparseable JSON becomes `{}` (the raw text is in the generation record). */
export function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** Who called a tool: always the model itself (`direct`) for translated tool calls. */
export const directCaller = { type: 'direct' } as const;

/** Canonical assistant parts → Anthropic content blocks, in order. */
export function renderContent(
  parts: readonly AssistantPart[],
  meta: Pick<ResponseMeta, 'isReasoningShown' | 'upstreamProtocol'>,
): unknown[] {
  const blocks: unknown[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        blocks.push({ type: 'text', text: part.text, citations: part.citations ?? null });
        break;
      case 'reasoning':
        // Unsigned reasoning (DeepSeek, Qwen, Kimi) gets an empty signature: the client sends it back and the
        // gateway returns it to the upstream that produced it as `reasoning_content`.
        if (meta.isReasoningShown) {
          const signature = tagSignature(part.signature ?? '', meta.upstreamProtocol);
          blocks.push({ type: 'thinking', thinking: part.text, signature });
        }
        break;
      case 'tool-call':
        blocks.push({
          type: 'tool_use',
          id: part.toolCallId,
          name: part.toolName,
          input: parseToolInput(part.arguments),
          caller: directCaller,
        });
        break;
      case 'opaque':
        if (part.protocol === 'anthropic-messages') blocks.push(part.value);
        break;
      default: {
        const exhausted: never = part;
        return exhausted;
      }
    }
  }
  return blocks;
}
