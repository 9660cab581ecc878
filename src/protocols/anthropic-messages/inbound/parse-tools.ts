import { limits } from '../../../config/limits.js';
import type { ToolChoice, ToolDefinition, Warning } from '../../../spec/index.js';
import { invalid, isObject } from '../../shared/field-readers.js';
import { readCacheControl } from './parse-content.js';

/**
 * Anthropic `tools` → canonical tools. Client tools (no `type`, or `custom`) are
 * translated; Anthropic server tools (`web_search_…`, `code_execution_…`) run on
 * Anthropic's side and have no canonical form: they are dropped with a warning.
 */
export function parseTools(value: unknown, warnings: Warning[]): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array.');
  if (value.length > limits.toolsCountMax) {
    throw invalid('tools', `at most ${limits.toolsCountMax} tools are accepted (limits.toolsCountMax).`);
  }
  const tools: ToolDefinition[] = [];
  value.forEach((tool, index) => {
    const param = `tools[${index}]`;
    if (!isObject(tool)) throw invalid(param, 'must be an object.');
    const type = tool['type'];
    if (type !== undefined && type !== null && type !== 'custom') {
      warnings.push({
        type: 'unsupported-setting',
        setting: param,
        details: `server tool ${JSON.stringify(type)} dropped`,
      });
      return;
    }
    tools.push(parseTool(tool, param));
  });
  return tools.length === 0 ? undefined : tools;
}

function parseTool(tool: Record<string, unknown>, param: string): ToolDefinition {
  const name = tool['name'];
  if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
  const description = tool['description'];
  if (description !== undefined && typeof description !== 'string') {
    throw invalid(`${param}.description`, 'must be a string.');
  }
  const schema = tool['input_schema'];
  if (!isObject(schema)) throw invalid(`${param}.input_schema`, 'must be a JSON Schema object.');
  const cacheControl = readCacheControl(tool, param);
  return {
    type: 'function',
    name,
    parameters: schema,
    ...(description === undefined ? {} : { description }),
    ...(tool['strict'] === true ? { strict: true } : {}),
    ...(cacheControl === undefined ? {} : { cacheControl }),
  };
}

/** `tool_choice` → canonical choice, plus `disable_parallel_tool_use` as `parallelToolCalls: false`. */
export function parseToolChoice(value: unknown): {
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
} {
  if (value === undefined || value === null) return { toolChoice: undefined, parallelToolCalls: undefined };
  if (!isObject(value)) throw invalid('tool_choice', "must be an object {type: 'auto'|'any'|'tool'|'none'}.");
  const parallelToolCalls = value['disable_parallel_tool_use'] === true ? false : undefined;
  switch (value['type']) {
    case 'auto':
      return { toolChoice: { type: 'auto' }, parallelToolCalls };
    case 'any':
      return { toolChoice: { type: 'required' }, parallelToolCalls };
    case 'none':
      return { toolChoice: { type: 'none' }, parallelToolCalls };
    case 'tool': {
      const name = value['name'];
      if (typeof name !== 'string' || name === '') throw invalid('tool_choice.name', 'must be a non-empty string.');
      return { toolChoice: { type: 'tool', toolName: name }, parallelToolCalls };
    }
    default:
      throw invalid('tool_choice.type', "must be one of 'auto', 'any', 'tool', 'none'.");
  }
}
