import type { ChatRequest } from '../spec/index.js';

/** The request parameters the client set, in OpenRouter's `supported_parameters` names (for `require_parameters`). */
export function listUsedParameters(request: ChatRequest): ReadonlySet<string> {
  const used = new Set<string>();
  const add = (name: string, value: unknown): void => {
    if (value !== undefined) used.add(name);
  };
  add('max_tokens', request.maxOutputTokens);
  add('temperature', request.temperature);
  add('top_p', request.topP);
  add('stop', request.stop);
  add('seed', request.seed);
  add('presence_penalty', request.presencePenalty);
  add('frequency_penalty', request.frequencyPenalty);
  add('tools', request.tools);
  add('tool_choice', request.toolChoice);
  add('parallel_tool_calls', request.parallelToolCalls);
  add('response_format', request.responseFormat);
  if (request.responseFormat?.type === 'json-schema') used.add('structured_outputs');
  add('reasoning', request.reasoning);
  return used;
}
