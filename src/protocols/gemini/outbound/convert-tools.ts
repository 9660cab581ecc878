import type { ChatRequest, ToolChoice, Warning } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { selectFunctionTools } from '../../shared/select-function-tools.js';

/**
 * Canonical tools → Gemini `tools` and `toolConfig`. Parameters go in `parametersJsonSchema`, which
 * takes JSON Schema unchanged (`parameters` takes Google's OpenAPI subset). Gemini has no strict
 * flag (its function calling is always schema-constrained) and no switch for parallel calls.
 */
export function convertTools(request: ChatRequest, warnings: Warning[]): JsonObject {
  const wire: JsonObject = {};
  const tools = selectFunctionTools(request.tools, 'gemini', warnings);
  // Every tool the client sent was another protocol's (Anthropic server tools): no tool config either.
  if (tools?.length === 0 && request.tools?.length !== 0) return wire;
  if (tools !== undefined && tools.length > 0) {
    wire['tools'] = [
      {
        functionDeclarations: tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
        })),
      },
    ];
  }
  if (request.toolChoice !== undefined) {
    wire['toolConfig'] = { functionCallingConfig: convertToolChoice(request.toolChoice) };
  }
  if (request.parallelToolCalls === false) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'parallel_tool_calls',
      details: 'Gemini cannot be told to avoid parallel function calls',
    });
  }
  return wire;
}

function convertToolChoice(choice: ToolChoice): JsonObject {
  switch (choice.type) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'required':
      return { mode: 'ANY' };
    case 'none':
      return { mode: 'NONE' };
    case 'tool':
      return { mode: 'ANY', allowedFunctionNames: [choice.toolName] };
    default: {
      const exhausted: never = choice;
      return exhausted;
    }
  }
}
