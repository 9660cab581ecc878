import { renderNanos } from '../../../metering/index.js';
import type { BilledUsage, ChatRequest, FinishReason, ToolChoice } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Responses `response` object around `output`, echoing the request's settings as OpenAI does. */
export function renderEnvelope(input: {
  readonly meta: ResponseMeta;
  readonly request: ChatRequest;
  readonly status: ResponseStatus;
  readonly output: readonly unknown[];
  readonly billed: BilledUsage | undefined;
  readonly finishReason?: FinishReason | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}): Record<string, unknown> {
  const { meta, request } = input;
  return {
    id: meta.generationId,
    object: 'response',
    created_at: meta.createdSeconds,
    status: input.status,
    error: input.error ?? null,
    incomplete_details: input.status === 'incomplete' ? { reason: incompleteReason(input.finishReason) } : null,
    instructions: null,
    max_output_tokens: request.maxOutputTokens ?? null,
    model: meta.model,
    provider: meta.providerName,
    output: input.output,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    temperature: request.temperature ?? null,
    top_p: request.topP ?? null,
    tool_choice: renderToolChoice(request.toolChoice),
    tools: renderTools(request),
    metadata: {},
    // The spec's usage is an object or absent (a response in progress has none yet).
    ...(input.billed === undefined ? {} : { usage: renderResponsesUsage(input.billed) }),
  };
}

/** `completed`, or `incomplete` when the answer was cut (token bound, content filter). */
export function statusOf(finishReason: FinishReason | undefined): ResponseStatus {
  const unified = finishReason?.unified;
  return unified === 'length' || unified === 'content-filter' ? 'incomplete' : 'completed';
}

function incompleteReason(finishReason: FinishReason | undefined): string {
  return finishReason?.unified === 'content-filter' ? 'content_filter' : 'max_output_tokens';
}

/** Responses usage plus OpenRouter's accounting fields (`cost`, `is_byok`, `cost_details`). */
export function renderResponsesUsage(billed: BilledUsage): Record<string, unknown> {
  return {
    input_tokens: billed.promptTokens,
    input_tokens_details: { cached_tokens: billed.cachedTokens, cache_write_tokens: billed.cacheWriteTokens },
    output_tokens: billed.completionTokens,
    output_tokens_details: { reasoning_tokens: billed.reasoningTokens },
    total_tokens: billed.promptTokens + billed.completionTokens,
    cost: renderNanos(billed.costNanos),
    is_byok: false,
    cost_details: { upstream_inference_cost: renderNanos(billed.upstreamCostNanos) },
  };
}

function renderToolChoice(choice: ToolChoice | undefined): unknown {
  if (choice === undefined) return 'auto';
  switch (choice.type) {
    case 'tool':
      return { type: 'function', name: choice.toolName };
    case 'allowed-tools':
      return {
        type: 'allowed_tools',
        mode: choice.mode,
        tools: choice.toolNames.map((name) => ({ type: 'function', name })),
      };
    case 'opaque':
      return 'auto';
    case 'auto':
    case 'none':
    case 'required':
      return choice.type;
  }
}

function renderTools(request: ChatRequest): unknown[] {
  return (request.tools ?? []).flatMap((tool) =>
    tool.type === 'function'
      ? [
          {
            type: 'function',
            name: tool.name,
            description: tool.description ?? null,
            parameters: tool.parameters ?? null,
            strict: tool.strict ?? null,
          },
        ]
      : [],
  );
}
