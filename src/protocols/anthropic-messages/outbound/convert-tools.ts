import type {
  BasicToolChoice,
  ChatRequest,
  FunctionToolDefinition,
  ToolDefinition,
  Warning,
} from '../../../spec/index.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { selectToolChoice } from '../../shared/select-tool-choice.js';
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
 * client named none); `none` has no such flag. OpenAI's `allowed_tools` narrows the tools (see select-tool-choice).
 */
export function convertTools(request: ChatRequest, warnings: Warning[]): ConvertedTools {
  const selected = selectToolChoice(request, warnings);
  const tools = request.tools?.filter(selected.allows).flatMap<JsonObject>((tool) => convertTool(tool, warnings) ?? []);
  if (tools === undefined || tools.length === 0) return { isToolForced: false };
  const choice = selected.toolChoice ?? (request.parallelToolCalls === false ? { type: 'auto' } : undefined);
  const toolChoice = choice === undefined ? undefined : convertToolChoice(choice, request.parallelToolCalls);
  return {
    tools,
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    isToolForced: choice?.type === 'required' || choice?.type === 'tool',
  };
}

/** An Anthropic tool the client sent (a server tool, a versioned Anthropic-defined tool) goes back unchanged. */
function convertTool(tool: ToolDefinition, warnings: Warning[]): JsonObject | undefined {
  if (tool.type === 'function') return convertFunctionTool(tool);
  if (tool.protocol === 'anthropic-messages' && isObject(tool.value)) return tool.value;
  warnings.push({
    type: 'other',
    message: `Dropped a tool of the ${tool.protocol} protocol, which the Anthropic Messages API cannot take.`,
  });
  return undefined;
}

/**
 * `strict` is sent only when true: Anthropic's structured tool use; `false` is the default anyway. The client's
 * other fields of an Anthropic tool (`defer_loading`, `input_examples`, …) are sent as they came.
 */
function convertFunctionTool(tool: FunctionToolDefinition): JsonObject {
  const passthrough = tool.passthrough?.protocol === 'anthropic-messages' ? tool.passthrough.fields : {};
  return {
    ...passthrough,
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters ?? { type: 'object', properties: {} },
    ...(tool.strict === true ? { strict: true } : {}),
    ...(tool.cacheControl === undefined ? {} : { cache_control: convertCacheControl(tool.cacheControl) }),
  };
}

function convertToolChoice(choice: BasicToolChoice, parallelToolCalls: boolean | undefined): JsonObject {
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
