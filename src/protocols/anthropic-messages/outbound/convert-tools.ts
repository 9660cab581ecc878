import type { ChatRequest, ToolChoice, ToolDefinition } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { convertCacheControl } from './convert-parts.js';

/** Anthropic's `tools` and `tool_choice`, each present only when there is something to send. */
export interface ConvertedTools {
  readonly tools?: JsonObject[];
  readonly tool_choice?: JsonObject;
  /** The model must call a tool (`any` / `tool`); Anthropic then refuses extended thinking. */
  readonly isToolForced: boolean;
}

/**
 * Tools and tool choice. Without tools nothing is sent, not even a tool choice
 * (Anthropic rejects `tool_choice` without `tools`). `parallelToolCalls: false`
 * becomes `disable_parallel_tool_use` inside the tool choice (under `auto` when the
 * client named none); `none` has no such flag.
 */
export function convertTools(request: ChatRequest): ConvertedTools {
  const tools = request.tools;
  if (tools === undefined || tools.length === 0) return { isToolForced: false };
  const choice = request.toolChoice ?? (request.parallelToolCalls === false ? { type: 'auto' } : undefined);
  const toolChoice = choice === undefined ? undefined : convertToolChoice(choice, request.parallelToolCalls);
  return {
    tools: tools.map(convertTool),
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    isToolForced: choice?.type === 'required' || choice?.type === 'tool',
  };
}

/** `strict` is sent only when true: Anthropic's structured tool use; `false` is the default anyway. */
function convertTool(tool: ToolDefinition): JsonObject {
  return {
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters ?? { type: 'object', properties: {} },
    ...(tool.strict === true ? { strict: true } : {}),
    ...(tool.cacheControl === undefined ? {} : { cache_control: convertCacheControl(tool.cacheControl) }),
  };
}

function convertToolChoice(choice: ToolChoice, parallelToolCalls: boolean | undefined): JsonObject {
  const flag = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  switch (choice.type) {
    case 'auto':
      return { type: 'auto', ...flag };
    case 'required':
      return { type: 'any', ...flag };
    case 'tool':
      return { type: 'tool', name: choice.toolName, ...flag };
    case 'none':
      return { type: 'none' };
    default: {
      const exhausted: never = choice;
      return exhausted;
    }
  }
}
