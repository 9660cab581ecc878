import { limits } from '../../../config/limits.js';
import type { ResponseFormat, ToolChoice, ToolDefinition } from '../../../spec/index.js';
import { invalid, isObject } from '../../shared/field-readers.js';

/** `tools` → canonical tool definitions; parameters (JSON Schema) pass through unchanged. */
export function parseTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array.');
  if (value.length > limits.toolsCountMax)
    throw invalid('tools', `at most ${limits.toolsCountMax} tools are accepted (limits.toolsCountMax).`);
  return value.map((tool, index) => {
    const param = `tools[${index}]`;
    if (!isObject(tool) || tool['type'] !== 'function') throw invalid(`${param}.type`, "must be 'function'.");
    const fn = tool['function'];
    if (!isObject(fn) || typeof fn['name'] !== 'string' || fn['name'] === '') {
      throw invalid(`${param}.function.name`, 'must be a non-empty string.');
    }
    const description = fn['description'];
    const strict = fn['strict'];
    return {
      type: 'function',
      name: fn['name'],
      ...(typeof description === 'string' ? { description } : {}),
      ...(fn['parameters'] === undefined ? {} : { parameters: fn['parameters'] }),
      ...(typeof strict === 'boolean' ? { strict } : {}),
    };
  });
}

export function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (isObject(value) && value['type'] === 'function' && isObject(value['function'])) {
    const name = value['function']['name'];
    if (typeof name === 'string' && name !== '') return { type: 'tool', toolName: name };
  }
  throw invalid('tool_choice', "must be 'auto', 'none', 'required' or {type: 'function', function: {name}}.");
}

export function parseResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid('response_format', 'must be an object.');
  switch (value['type']) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json-object' };
    case 'json_schema': {
      const schema = value['json_schema'];
      if (!isObject(schema) || typeof schema['name'] !== 'string') {
        throw invalid('response_format.json_schema.name', 'must be a string.');
      }
      const description = schema['description'];
      const strict = schema['strict'];
      return {
        type: 'json-schema',
        name: schema['name'],
        schema: schema['schema'],
        ...(typeof strict === 'boolean' ? { strict } : {}),
        ...(typeof description === 'string' ? { description } : {}),
      };
    }
    default:
      throw invalid('response_format.type', "must be 'text', 'json_object' or 'json_schema'.");
  }
}
