import type { BilledUsage, ChatChoice, ChatResult } from '../../../spec/index.js';
import type { ResponseMeta } from '../../adapter-types.js';
import { renderAssistantParts } from '../render-assistant-parts.js';
import { renderFinishReason, renderUsage } from './render-usage.js';

/** Canonical result → an OpenAI `chat.completion` JSON text with the gateway's id, model and usage. */
export function renderResponse(result: ChatResult, billed: BilledUsage, meta: ResponseMeta): string {
  return JSON.stringify({
    id: meta.generationId,
    object: 'chat.completion',
    created: meta.createdSeconds,
    model: meta.model,
    provider: meta.providerName,
    ...(result.systemFingerprint === undefined ? {} : { system_fingerprint: result.systemFingerprint }),
    choices: result.choices.map((choice) => renderChoice(choice, meta.isReasoningShown)),
    usage: renderUsage(billed),
  });
}

function renderChoice(choice: ChatChoice, isReasoningShown: boolean): Record<string, unknown> {
  const { text, reasoning, toolCalls } = renderAssistantParts(choice.content);
  const message: Record<string, unknown> = { role: 'assistant', content: text, refusal: choice.refusal ?? null };
  if (reasoning !== undefined && isReasoningShown) {
    // OpenRouter clients read `reasoning`; DeepSeek-style clients read `reasoning_content`.
    message['reasoning'] = reasoning;
    message['reasoning_content'] = reasoning;
  }
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  return {
    index: choice.index,
    message,
    logprobs: choice.logprobs ?? null,
    finish_reason: renderFinishReason(choice.finishReason) ?? 'stop',
  };
}
