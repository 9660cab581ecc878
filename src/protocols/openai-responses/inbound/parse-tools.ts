import { limits } from '../../../config/limits.js';
import type { ResponseFormat, ToolChoice, ToolDefinition, Warning } from '../../../spec/index.js';
import { invalid, isObject, readOptionalBoolean, readOptionalString } from '../../shared/field-readers.js';

/**
 * Responses `tools` → canonical function tools. Function tools are flat here (`{type, name, description,
 * parameters, strict}`). A custom (free-form) tool becomes Chat Completions' custom tool, for OpenAI-protocol upstreams
 * (others drop it with a warning, as for a chat client). OpenAI's hosted tools (web search, file search, code
 * interpreter, …) run inside OpenAI's service, which no upstream here is: each is dropped with a warning, so an agent
 * that declares them keeps working.
 */
export function parseTools(value: unknown, warnings: Warning[]): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('tools', 'must be an array.');
  if (value.length > limits.toolsCountMax) {
    throw invalid('tools', `at most ${limits.toolsCountMax} tools are accepted (limits.toolsCountMax).`);
  }
  const tools = value.flatMap((tool, index): ToolDefinition[] => {
    const param = `tools[${index}]`;
    if (!isObject(tool)) throw invalid(param, 'must be an object.');
    if (tool['type'] === 'custom') return [parseCustomTool(tool, param)];
    if (tool['type'] !== 'function') {
      warnings.push({
        type: 'unsupported-setting',
        setting: param,
        details: `'${String(tool['type'])}' tools run only inside OpenAI's service; dropped.`,
      });
      return [];
    }
    const name = tool['name'];
    if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
    const description = readOptionalString(tool, 'description', `${param}.description`);
    const strict = readOptionalBoolean(tool, 'strict', `${param}.strict`);
    const parameters = tool['parameters'];
    return [
      {
        type: 'function',
        name,
        ...(description === undefined ? {} : { description }),
        ...(parameters === undefined || parameters === null ? {} : { parameters }),
        ...(strict === undefined ? {} : { strict }),
      },
    ];
  });
  return tools.length === 0 ? undefined : tools;
}

/** `{type: 'custom', name, description, format}` → Chat Completions' `{type: 'custom', custom: {…}}`, opaque. */
function parseCustomTool(tool: Record<string, unknown>, param: string): ToolDefinition {
  const name = tool['name'];
  if (typeof name !== 'string' || name === '') throw invalid(`${param}.name`, 'must be a non-empty string.');
  const description = readOptionalString(tool, 'description', `${param}.description`);
  const format = tool['format'];
  const custom = {
    name,
    ...(description === undefined ? {} : { description }),
    ...(format === undefined || format === null ? {} : { format }),
  };
  return { type: 'opaque', protocol: 'openai-chat', value: { type: 'custom', custom } };
}

/**
 * Responses `tool_choice`: `auto`, `none`, `required`, `{type: 'function', name}`, `{type: 'custom', name}` or
 * `allowed_tools`. A choice of a hosted tool (`{type: 'web_search_preview'}`, `{type: 'mcp', …}`, …) is dropped with a
 * warning, as the hosted tool itself is.
 */
export function parseToolChoice(value: unknown, warnings: Warning[]): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (isObject(value) && value['type'] === 'function') {
    const name = value['name'];
    if (typeof name !== 'string' || name === '') throw invalid('tool_choice.name', 'must be a non-empty string.');
    return { type: 'tool', toolName: name };
  }
  if (isObject(value) && value['type'] === 'allowed_tools') return parseAllowedTools(value);
  if (isObject(value) && value['type'] === 'custom') {
    const name = value['name'];
    if (typeof name !== 'string' || name === '') throw invalid('tool_choice.name', 'must be a non-empty string.');
    return { type: 'opaque', protocol: 'openai-chat', value: { type: 'custom', custom: { name } } };
  }
  if (isObject(value) && typeof value['type'] === 'string') {
    const details = `'${value['type']}' tools run only inside OpenAI's service; the choice of one was dropped.`;
    warnings.push({ type: 'unsupported-setting', setting: 'tool_choice', details });
    return undefined;
  }
  throw invalid(
    'tool_choice',
    "must be 'auto', 'none', 'required', {type: 'function', name}, {type: 'custom', name} or {type: 'allowed_tools', mode, tools}.",
  );
}

function parseAllowedTools(value: Record<string, unknown>): ToolChoice {
  const mode = value['mode'];
  const tools = value['tools'];
  if (mode !== 'auto' && mode !== 'required') throw invalid('tool_choice.mode', "must be 'auto' or 'required'.");
  if (!Array.isArray(tools) || tools.length === 0) throw invalid('tool_choice.tools', 'must be a non-empty array.');
  const toolNames = tools.map((tool, index) => {
    if (!isObject(tool) || tool['type'] !== 'function' || typeof tool['name'] !== 'string') {
      throw invalid(`tool_choice.tools[${index}]`, "must be {type: 'function', name}.");
    }
    return tool['name'];
  });
  return { type: 'allowed-tools', mode, toolNames };
}

/**
 * Responses `text.verbosity` (`low`, `medium`, `high`) is Chat Completions' `verbosity`: forwarded as that field to
 * OpenAI-protocol upstreams, named in a warning by the others.
 */
export function parseTextVerbosity(text: unknown): Record<string, unknown> {
  const verbosity = isObject(text) ? text['verbosity'] : undefined;
  if (verbosity === undefined || verbosity === null) return {};
  if (verbosity !== 'low' && verbosity !== 'medium' && verbosity !== 'high') {
    throw invalid('text.verbosity', "must be 'low', 'medium' or 'high'.");
  }
  return { verbosity };
}

/** Responses `text.format`: `text`, `json_object` or `json_schema` (flat: `{type, name, schema, strict, description}`). */
export function parseTextFormat(text: unknown): ResponseFormat | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) throw invalid('text', 'must be an object {format}.');
  const format = text['format'];
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw invalid('text.format', 'must be an object.');
  switch (format['type']) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json-object' };
    case 'json_schema': {
      const name = format['name'];
      if (typeof name !== 'string' || name === '') throw invalid('text.format.name', 'must be a non-empty string.');
      if (!isObject(format['schema'])) throw invalid('text.format.schema', 'must be a JSON Schema object.');
      const strict = readOptionalBoolean(format, 'strict', 'text.format.strict');
      const description = readOptionalString(format, 'description', 'text.format.description');
      return {
        type: 'json-schema',
        name,
        schema: format['schema'],
        ...(strict === undefined ? {} : { strict }),
        ...(description === undefined ? {} : { description }),
      };
    }
    default:
      throw invalid('text.format.type', "must be 'text', 'json_object' or 'json_schema'.");
  }
}
