import type { AssistantPart, ToolCallPart } from '../../spec/index.js';

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
    else if (part.type === 'tool-call') toolCalls.push(renderToolCall(part));
  }
  return { text, reasoning, toolCalls };
}

/** A function call, or a custom tool's call with its free-form input. */
function renderToolCall(part: ToolCallPart): Record<string, unknown> {
  return part.isCustom === true
    ? { id: part.toolCallId, type: 'custom', custom: { name: part.toolName, input: part.arguments } }
    : { id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: part.arguments } };
}
