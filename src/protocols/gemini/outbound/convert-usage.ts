import type { Usage } from '../../../spec/index.js';
import { asObject, readTokenCount } from '../../shared/field-readers.js';

/**
 * Gemini `usageMetadata` → canonical Usage; undefined when there is no usage object at all.
 *
 * Gemini's counts: `promptTokenCount` INCLUDES the cached tokens (`cachedContentTokenCount`);
 * `toolUsePromptTokenCount` (prompts of built-in tools) is input billed on top of it;
 * `candidatesTokenCount` EXCLUDES the thinking tokens (`thoughtsTokenCount`).
 *
 * Gemini's JSON omits fields whose value is zero, so once `promptTokenCount` is present an absent
 * cache, tool-use or thoughts count means 0. The visible output count is different: a chunk sent
 * before any output (or a cut-off stream) may carry only the prompt count, so an absent
 * `candidatesTokenCount` is 0 only when `totalTokenCount` proves it (it is derived from the total);
 * without a total it stays unknown.
 */
export function convertUsage(wire: unknown): Usage | undefined {
  const usage = asObject(wire);
  if (usage === undefined) return undefined;
  const prompt = readTokenCount(usage['promptTokenCount']);
  const zeroIfKnown = (value: unknown): number | undefined =>
    readTokenCount(value) ?? (prompt === undefined ? undefined : 0);
  const toolUse = zeroIfKnown(usage['toolUsePromptTokenCount']);
  const cacheRead = zeroIfKnown(usage['cachedContentTokenCount']);
  const reasoning = zeroIfKnown(usage['thoughtsTokenCount']);
  const inputTotal = prompt === undefined ? undefined : prompt + (toolUse ?? 0);
  const text =
    readTokenCount(usage['candidatesTokenCount']) ??
    deriveText(readTokenCount(usage['totalTokenCount']), inputTotal, reasoning);
  return {
    inputTokens: {
      total: inputTotal,
      noCache:
        inputTotal !== undefined && cacheRead !== undefined && cacheRead <= inputTotal
          ? inputTotal - cacheRead
          : undefined,
      cacheRead,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: text !== undefined && reasoning !== undefined ? text + reasoning : undefined,
      text,
      reasoning,
    },
    isEstimated: false,
    raw: wire,
  };
}

/** Visible output tokens from the total, when every other part of the total is known. */
function deriveText(
  total: number | undefined,
  inputTotal: number | undefined,
  reasoning: number | undefined,
): number | undefined {
  if (total === undefined || inputTotal === undefined || reasoning === undefined) return undefined;
  const rest = total - inputTotal - reasoning;
  return rest >= 0 ? rest : undefined;
}
