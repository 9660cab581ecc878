import type { AssistantPart } from '../../spec/index.js';

/** An assistant turn's parts in OpenAI wire terms: joined text (null if none), joined reasoning, tool calls. */
export interface RenderedAssistantParts {
  readonly text: string | null;
  readonly reasoning: string | undefined;
  readonly toolCalls: readonly Record<string, unknown>[];
}

/** Shared by the client renderer (responses) and the upstream builder (assistant turns sent back). */
export function renderAssistantParts(parts: readonly AssistantPart[]): RenderedAssistantParts {
  let text: string | null = null;
  let reasoning: string | undefined;
  const toolCalls: Record<string, unknown>[] = [];
  for (const part of parts) {
    if (part.type === 'text') text = (text ?? '') + part.text;
    else if (part.type === 'reasoning') reasoning = (reasoning ?? '') + part.text;
    else if (part.type === 'tool-call') {
      toolCalls.push({
        id: part.toolCallId,
        type: 'function',
        function: { name: part.toolName, arguments: part.arguments },
      });
    }
  }
  return { text, reasoning, toolCalls };
}
