import { limits } from '../../config/limits.js';
import type { ReasoningOptions } from '../../spec/index.js';
import { invalid, isObject, optional, readOptionalBoolean, readOptionalNumber } from './field-readers.js';

export const reasoningEfforts = ['minimal', 'low', 'medium', 'high', 'xhigh', 'none'] as const;
type Effort = (typeof reasoningEfforts)[number];

export function isReasoningEffort(value: string): value is Effort {
  return (reasoningEfforts as readonly string[]).includes(value);
}

/**
 * OpenRouter's unified `reasoning: {effort, max_tokens, exclude, enabled}`, accepted
 * on every inbound protocol. `fallbackEffort` is the protocol's own effort field
 * (OpenAI `reasoning_effort`), used when the object names none.
 */
export function parseUnifiedReasoning(unified: unknown, fallbackEffort?: Effort): ReasoningOptions | undefined {
  if (unified === undefined || unified === null) {
    return fallbackEffort === undefined ? undefined : { effort: fallbackEffort };
  }
  if (!isObject(unified)) throw invalid('reasoning', 'must be an object {effort, max_tokens, exclude, enabled}.');
  // `null` is no effort, as OpenAI's Responses spec writes it.
  const effort = unified['effort'] ?? undefined;
  if (effort !== undefined && (typeof effort !== 'string' || !isReasoningEffort(effort))) {
    throw invalid('reasoning.effort', `must be one of ${reasoningEfforts.join(', ')}.`);
  }
  const maxTokens = readOptionalNumber(unified, 'max_tokens', {
    minimum: 0,
    maximum: limits.maxOutputTokensMax,
    isInteger: true,
  });
  const exclude = readOptionalBoolean(unified, 'exclude', 'reasoning.exclude');
  const resolvedEffort = effort ?? fallbackEffort ?? (unified['enabled'] === false ? 'none' : undefined);
  return {
    ...optional('effort', resolvedEffort),
    ...optional('maxTokens', maxTokens),
    ...optional('exclude', exclude),
  };
}
