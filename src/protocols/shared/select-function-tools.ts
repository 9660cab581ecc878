import type { FunctionToolDefinition, ProtocolId, ToolDefinition, Warning } from '../../spec/index.js';
import { isObject } from './field-readers.js';

/**
 * The function tools an upstream of `protocol` can take, for adapters whose protocol has no opaque tools. Another
 * protocol's tools (Anthropic server tools such as `web_search_20250305`) are dropped, and another protocol's extra
 * tool fields (`defer_loading`, …) left out, each with a warning naming the tool by its position. Undefined when the
 * request had no tools.
 */
export function selectFunctionTools(
  tools: readonly ToolDefinition[] | undefined,
  protocol: ProtocolId,
  warnings: Warning[],
): FunctionToolDefinition[] | undefined {
  if (tools === undefined) return undefined;
  const kept: FunctionToolDefinition[] = [];
  tools.forEach((tool, index) => {
    const setting = `tools[${index}]`;
    if (tool.type === 'opaque') {
      warnings.push({
        type: 'unsupported-setting',
        setting,
        details: `server tool ${describeTool(tool.value)} dropped`,
      });
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

function describeTool(value: unknown): string {
  const type = isObject(value) ? value['type'] : undefined;
  return typeof type === 'string' ? JSON.stringify(type.slice(0, 60)) : 'of an unknown type';
}
