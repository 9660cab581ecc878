import type {
  FunctionToolDefinition,
  OpaqueToolDefinition,
  ProtocolId,
  ToolDefinition,
  Warning,
} from '../../spec/index.js';
import { isObject } from './field-readers.js';

/**
 * The tools an upstream of `protocol` can take: function tools, and the tools only `protocol` knows (opaque, sent as
 * the client wrote them). Another protocol's tools (Anthropic server tools such as `web_search_20250305`, OpenAI custom
 * tools) are dropped, and another protocol's extra tool fields (`defer_loading`, …) left out, each with a warning
 * naming the tool by its position. Undefined when the request had no tools.
 */
export function selectTools(
  tools: readonly ToolDefinition[] | undefined,
  protocol: ProtocolId,
  warnings: Warning[],
): ToolDefinition[] | undefined {
  if (tools === undefined) return undefined;
  const kept: ToolDefinition[] = [];
  tools.forEach((tool, index) => {
    const setting = `tools[${index}]`;
    if (tool.type === 'opaque') {
      if (tool.protocol === protocol) kept.push(tool);
      else warnings.push({ type: 'unsupported-setting', setting, details: `${describeOpaqueTool(tool)} dropped` });
      return;
    }
    const passthrough = tool.passthrough;
    if (passthrough !== undefined && passthrough.protocol !== protocol) {
      const names = Object.keys(passthrough.fields).join(', ');
      warnings.push({
        type: 'unsupported-setting',
        setting,
        details: `${passthrough.protocol} tool fields not forwarded: ${names}`,
      });
    }
    kept.push(tool);
  });
  return kept;
}

/** {@link selectTools} for adapters whose protocol has no opaque tools (Gemini): the function tools only. */
export function selectFunctionTools(
  tools: readonly ToolDefinition[] | undefined,
  protocol: ProtocolId,
  warnings: Warning[],
): FunctionToolDefinition[] | undefined {
  return selectTools(tools, protocol, warnings)?.filter((tool) => tool.type === 'function');
}

/** An Anthropic tool of another type is a server tool; other protocols' are named by their protocol. */
function describeOpaqueTool(tool: OpaqueToolDefinition): string {
  const kind = tool.protocol === 'anthropic-messages' ? 'server tool' : `${tool.protocol} tool`;
  return `${kind} ${describeTool(tool.value)}`;
}

function describeTool(value: unknown): string {
  const type = isObject(value) ? value['type'] : undefined;
  return typeof type === 'string' ? JSON.stringify(type.slice(0, 60)) : 'of an unknown type';
}
