import { limits } from '../../../config/limits.js';
import type { FunctionToolDefinition, ToolChoice, ToolDefinition } from '../../../spec/index.js';
import { invalid, isObject, pickFields } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';
import { readCacheControl } from '../../shared/read-cache-control.js';

/**
 * Fields of a client tool the canonical model holds (`type` is absent or `custom`, which Anthropic assumes anyway);
 * the others (`defer_loading`, `input_examples`, …) pass through.
 */
const modelledToolFields = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control']);

/**
 * Anthropic `tools` → canonical tools. Client tools (no `type`, or `custom`) are
 * translated, their other fields kept for Anthropic upstreams. Anthropic server tools
 * and Anthropic-defined tools (`web_search_20250305`, `text_editor_20250728`, …) have
 * no canonical form: they stay opaque, forwarded unchanged to Anthropic upstreams and
 * dropped with a warning by other adapters.
 */
export function parseTools(value: unknown): ToolDefinition[] | undefined {
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
      if (typeof type !== 'string') throw invalid(`${param}.type`, 'must be a string.');
      tools.push({ type: 'opaque', protocol: 'anthropic-messages', value: tool });
      return;
    }
    tools.push(parseTool(tool, param));
  });
  return tools.length === 0 ? undefined : tools;
}

function parseTool(tool: JsonObject, param: string): FunctionToolDefinition {
  const name = tool['name'];
  if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
  const description = tool['description'];
  if (description !== undefined && typeof description !== 'string') {
    throw invalid(`${param}.description`, 'must be a string.');
  }
  const schema = tool['input_schema'];
  if (!isObject(schema)) throw invalid(`${param}.input_schema`, 'must be a JSON Schema object.');
  const cacheControl = readCacheControl(tool, param);
  const fields = pickFields(tool, (key) => !modelledToolFields.has(key));
  return {
    type: 'function',
    name,
    parameters: schema,
    ...(description === undefined ? {} : { description }),
    ...(tool['strict'] === true ? { strict: true } : {}),
    ...(cacheControl === undefined ? {} : { cacheControl }),
    ...(Object.keys(fields).length === 0 ? {} : { passthrough: { protocol: 'anthropic-messages', fields } }),
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
