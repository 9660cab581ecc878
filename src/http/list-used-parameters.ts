import type { ChatRequest, UserPart } from '../spec/index.js';

/** The request parameters the client set, in OpenRouter's `supported_parameters` names (for `require_parameters`). */
export function listUsedParameters(request: ChatRequest): ReadonlySet<string> {
  const used = new Set<string>();
  const add = (name: string, value: unknown): void => {
    if (value !== undefined) used.add(name);
  };
  add('max_tokens', request.maxOutputTokens);
  add('temperature', request.temperature);
  add('top_p', request.topP);
  add('top_k', request.topK);
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
  addPassthrough(used, request.passthrough.fields);
  return used;
}

/** Parameters the canonical request does not model, forwarded as written (OpenAI-compatible upstreams). */
const passthroughParameterNames = ['logprobs', 'top_logprobs', 'logit_bias', 'min_p', 'top_a', 'repetition_penalty'];

/** A passthrough parameter counts when set to something that asks for it: `logprobs: false` or `null` asks nothing. */
function addPassthrough(used: Set<string>, fields: Readonly<Record<string, unknown>>): void {
  for (const name of passthroughParameterNames) {
    const value = fields[name];
    if (value !== undefined && value !== null && value !== false) used.add(name);
  }
}

/** Kinds of input a client part of another protocol carries, by its wire `type`. */
const opaqueModalities: Readonly<Record<string, string>> = {
  input_audio: 'audio',
  file: 'file',
  document: 'file',
  video_url: 'video',
};

/** The kinds of input the request's user messages carry besides text, in catalog `input_modalities` names. */
export function listInputModalities(request: ChatRequest): ReadonlySet<string> {
  const used = new Set<string>();
  for (const message of request.messages) {
    if (message.role !== 'user') continue;
    for (const part of message.content) {
      const modality = findModality(part);
      if (modality !== undefined) used.add(modality);
    }
  }
  return used;
}

function findModality(part: UserPart): string | undefined {
  if (part.type === 'image') return 'image';
  if (part.type !== 'opaque' || typeof part.value !== 'object' || part.value === null) return undefined;
  const type = (part.value as { type?: unknown }).type;
  return typeof type === 'string' ? opaqueModalities[type] : undefined;
}
