import type { BasicToolChoice, ChatRequest, ToolDefinition, Warning } from '../../spec/index.js';
import { isObject } from './field-readers.js';

/** The tool choice to send, and which of the request's tools to declare, for a protocol with only basic choices. */
export interface SelectedToolChoice {
  readonly toolChoice: BasicToolChoice | undefined;
  /** False for a function tool `allowed_tools` leaves out; true for every tool otherwise. */
  readonly allows: (tool: ToolDefinition) => boolean;
}

const allowsAll = (): boolean => true;

/**
 * The tool choice for an upstream protocol without OpenAI's `allowed_tools` or opaque choices (Anthropic, Gemini).
 * `allowed_tools` becomes `auto` or `required` over the function tools narrowed to the allowed names: the model may
 * call the same tools, though the declared list (and a prompt cache keyed on it) differs. When it allows none of the
 * function tools, none is declared and no choice is sent, with a warning. Another protocol's own choice (OpenAI's
 * custom-tool choice) is dropped with a warning; its tool is dropped too (see select-function-tools).
 */
export function selectToolChoice(request: ChatRequest, warnings: Warning[]): SelectedToolChoice {
  const choice = request.toolChoice;
  switch (choice?.type) {
    case undefined:
    case 'auto':
    case 'none':
    case 'required':
    case 'tool':
      return { toolChoice: choice, allows: allowsAll };
    case 'opaque':
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        details: `${choice.protocol} tool choice ${describeChoice(choice.value)} dropped`,
      });
      return { toolChoice: undefined, allows: allowsAll };
    case 'allowed-tools': {
      const names = new Set(choice.toolNames);
      const allows = (tool: ToolDefinition): boolean => tool.type === 'opaque' || names.has(tool.name);
      if (request.tools?.some((tool) => tool.type === 'function' && allows(tool)) === true) {
        return { toolChoice: { type: choice.mode }, allows };
      }
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tool_choice',
        details: 'allowed_tools allows none of the function tools; no tool is declared',
      });
      return { toolChoice: undefined, allows };
    }
    default: {
      const exhausted: never = choice;
      return exhausted;
    }
  }
}

function describeChoice(value: unknown): string {
  const type = isObject(value) ? value['type'] : undefined;
  return typeof type === 'string' ? JSON.stringify(type.slice(0, 60)) : 'of an unknown type';
}
