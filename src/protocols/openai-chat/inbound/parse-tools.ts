import { limits } from '../../../config/limits.js';
import type { ResponseFormat, ToolChoice, ToolDefinition } from '../../../spec/index.js';
import { invalid, isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/**
 * `tools` → canonical tool definitions; parameters (JSON Schema) pass through unchanged. A tool of another type (a
 * `custom` tool, a vendor's own type) has no canonical form: it stays opaque, forwarded unchanged to OpenAI-protocol
 * upstreams and dropped with a warning by other adapters.
 */
export function parseTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array.');
  if (value.length > limits.toolsCountMax)
    throw invalid('tools', `at most ${limits.toolsCountMax} tools are accepted (limits.toolsCountMax).`);
  return value.map((tool, index) => parseTool(tool, `tools[${index}]`));
}

function parseTool(tool: unknown, param: string): ToolDefinition {
  if (!isObject(tool) || typeof tool['type'] !== 'string' || tool['type'] === '') {
    throw invalid(`${param}.type`, "must be 'function', 'custom' or another tool type.");
  }
  if (tool['type'] !== 'function') {
    if (tool['type'] === 'custom') readName(tool['custom'], `${param}.custom.name`);
    return { type: 'opaque', protocol: 'openai-chat', value: tool };
  }
  const fn = tool['function'];
  const name = readName(fn, `${param}.function.name`);
  const description = isObject(fn) ? fn['description'] : undefined;
  const strict = isObject(fn) ? fn['strict'] : undefined;
  const parameters = isObject(fn) ? fn['parameters'] : undefined;
  return {
    type: 'function',
    name,
    ...(typeof description === 'string' ? { description } : {}),
    ...(parameters === undefined ? {} : { parameters }),
    ...(typeof strict === 'boolean' ? { strict } : {}),
  };
}

/** The non-empty `name` of a `function` or `custom` object. */
function readName(value: unknown, param: string): string {
  const name = isObject(value) ? value['name'] : undefined;
  if (typeof name !== 'string' || name === '') throw invalid(param, 'must be a non-empty string.');
  return name;
}

/**
 * `tool_choice` → canonical choice. `allowed_tools` keeps the client's object for OpenAI-protocol upstreams beside the
 * allowed names others need; another typed choice (`{type: 'custom', custom: {name}}`) stays opaque.
 */
export function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (!isObject(value) || typeof value['type'] !== 'string' || value['type'] === '') {
    throw invalid(
      'tool_choice',
      "must be 'auto', 'none', 'required', {type: 'function', function: {name}}, {type: 'allowed_tools', allowed_tools} or another typed choice.",
    );
  }
  switch (value['type']) {
    case 'function':
      return { type: 'tool', toolName: readName(value['function'], 'tool_choice.function.name') };
    case 'allowed_tools':
      return parseAllowedTools(value);
    case 'custom':
      readName(value['custom'], 'tool_choice.custom.name');
      return { type: 'opaque', protocol: 'openai-chat', value };
    default:
      return { type: 'opaque', protocol: 'openai-chat', value };
  }
}

/** `{type: 'allowed_tools', allowed_tools: {mode, tools: [{type: 'function', function: {name}}, …]}}`. */
function parseAllowedTools(value: JsonObject): ToolChoice {
  const allowed = value['allowed_tools'];
  const mode = isObject(allowed) ? allowed['mode'] : undefined;
  if (mode !== 'auto' && mode !== 'required') {
    throw invalid('tool_choice.allowed_tools.mode', "must be 'auto' or 'required'.");
  }
  const tools = isObject(allowed) ? allowed['tools'] : undefined;
  if (!Array.isArray(tools)) throw invalid('tool_choice.allowed_tools.tools', 'must be an array.');
  if (tools.length > limits.toolsCountMax) {
    throw invalid(
      'tool_choice.allowed_tools.tools',
      `at most ${limits.toolsCountMax} tools are accepted (limits.toolsCountMax).`,
    );
  }
  const toolNames = tools.map((tool, index) => readAllowedName(tool, `tool_choice.allowed_tools.tools[${index}]`));
  return { type: 'allowed-tools', mode, toolNames, native: { protocol: 'openai-chat', value } };
}

/** The name of an allowed tool: under its type's object (`function.name`, `custom.name`), or flat (`name`). */
function readAllowedName(tool: unknown, param: string): string {
  if (!isObject(tool) || typeof tool['type'] !== 'string') throw invalid(`${param}.type`, 'must be a string.');
  const flat = tool['name'];
  if (typeof flat === 'string' && flat !== '' && !isObject(tool[tool['type']])) return flat;
  return readName(tool[tool['type']], `${param}.${tool['type']}.name`);
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
