import type { BasicToolChoice, ChatRequest, Warning } from '../../../spec/index.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { selectFunctionTools } from '../../shared/select-function-tools.js';
import { selectToolChoice } from '../../shared/select-tool-choice.js';

/**
 * Canonical tools → Gemini `tools` and `toolConfig`. Parameters go in `parametersJsonSchema`, which
 * takes JSON Schema unchanged (`parameters` takes Google's OpenAPI subset). Gemini has no strict
 * flag (its function calling is always schema-constrained) and no switch for parallel calls. OpenAI's
 * `allowed_tools` narrows the declarations (see select-tool-choice).
 */
export function convertTools(request: ChatRequest, warnings: Warning[]): JsonObject {
  const wire: JsonObject = {};
  const selected = selectToolChoice(request, warnings);
  const tools = selectFunctionTools(request.tools, 'gemini', warnings)?.filter(selected.allows);
  // Every tool the client sent was another protocol's (Anthropic server tools) or not allowed: no tool config either.
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
  if (selected.toolChoice !== undefined) {
    wire['toolConfig'] = { functionCallingConfig: convertToolChoice(selected.toolChoice) };
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

function convertToolChoice(choice: BasicToolChoice): JsonObject {
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
