import type { ReasoningOptions, Warning } from '../../../spec/index.js';
import { isObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/** Anthropic's documented minimum `thinking.budget_tokens`. */
const thinkingBudgetTokensMin = 1024;

/** Share of `max_tokens` given to thinking per effort level (the budget must stay below `max_tokens`). */
const effortShares = { low: 0.2, medium: 0.5, high: 0.8, xhigh: 0.95 } as const;

export type ThinkingConfig =
  | { readonly type: 'enabled'; readonly budget_tokens: number }
  | { readonly type: 'disabled' }
  /** An Anthropic client's own `thinking` (e.g. `{type: 'adaptive'}`), sent as it came. */
  | { readonly type: 'native'; readonly value: JsonObject };

export interface ThinkingOptions {
  readonly reasoning: ReasoningOptions | undefined;
  /** The request's `max_tokens`; the budget must be strictly below it. */
  readonly maxTokens: number;
  /** A forced tool choice (`any` / `tool`), which Anthropic does not allow together with thinking. */
  readonly isToolForced: boolean;
}

/**
 * Canonical reasoning options → Anthropic `thinking`. An explicit token budget wins
 * over an effort level. The budget is clamped into [1024, max_tokens − 1] (a clamp of
 * the client's own budget is reported); when max_tokens leaves no room for 1024
 * thinking tokens, or the tool choice is forced, thinking is left off with a warning.
 * Effort `none` is sent as `{type:"disabled"}` (Kimi and DeepSeek think by default);
 * `minimal` sends nothing, which on Anthropic means no thinking. An Anthropic client's
 * own setting that the canonical fields only approximate (`adaptive`) is sent unchanged.
 */
export function convertThinking(options: ThinkingOptions, warnings: Warning[]): ThinkingConfig | undefined {
  const { reasoning, maxTokens } = options;
  if (reasoning === undefined) return undefined;
  const native = reasoning.native;
  if (native?.protocol === 'anthropic-messages' && isObject(native.value))
    return { type: 'native', value: native.value };
  const requested = readRequestedBudget(reasoning, maxTokens);
  if (requested === undefined) return reasoning.effort === 'none' ? { type: 'disabled' } : undefined;
  if (options.isToolForced) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning',
      details: 'Anthropic does not allow extended thinking with a forced tool choice; thinking was left off.',
    });
    return undefined;
  }
  const ceiling = maxTokens - 1;
  if (ceiling < thinkingBudgetTokensMin) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning',
      details: `max_tokens ${maxTokens} leaves no room for Anthropic's ${thinkingBudgetTokensMin}-token minimum thinking budget; thinking was left off.`,
    });
    return undefined;
  }
  const budget = Math.min(Math.max(requested, thinkingBudgetTokensMin), ceiling);
  if (reasoning.maxTokens !== undefined && budget !== reasoning.maxTokens) {
    warnings.push({ type: 'clamped-setting', setting: 'reasoning.max_tokens', from: reasoning.maxTokens, to: budget });
  }
  return { type: 'enabled', budget_tokens: budget };
}

/** The budget asked for, before clamping; undefined when the options ask for no thinking. */
function readRequestedBudget(reasoning: ReasoningOptions, maxTokens: number): number | undefined {
  if (reasoning.maxTokens !== undefined && reasoning.maxTokens > 0) return reasoning.maxTokens;
  // Reasoning asked for with no effort named (`enable_thinking`, `reasoning: {enabled: true}`) gets the medium share.
  const effort = reasoning.effort ?? 'medium';
  if (effort === 'none' || effort === 'minimal') return undefined;
  return Math.max(thinkingBudgetTokensMin, Math.floor(maxTokens * effortShares[effort]));
}
