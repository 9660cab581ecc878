import type { Catalog } from '../catalog/index.js';

/** A model's relative weight within its origin at a week (`weeksAgo`); linear between points, flat beyond them. */
export type WeightPoint = readonly [weeksAgo: number, weight: number];

export interface RosterEntry {
  readonly id: string;
  /** Ordered from the oldest week (largest `weeksAgo`) to the newest. */
  readonly weights: readonly WeightPoint[];
}

/**
 * The models MARKET.md names, as catalog slugs, with their weight within their origin's tokens over the reported
 * weeks (Feb 9–15 is 7 weeks ago, Mar 30–Apr 5 is 0): Qwen3.6 Plus appears as a preview in early March and ends
 * as the weekly #1 with about a third of Chinese models' tokens (4.6 T of 12.96 T reported); MiMo-V2-Pro, Step 3.5
 * Flash, MiniMax M2.7 and GLM-5 Turbo rise behind it, so the last week's top six are Chinese; February's leaders
 * (Kimi K2.5, DeepSeek V3.2, MiniMax M2.5, GLM-5) lose share. Among US models, Claude Sonnet and Gemini Flash
 * lead and the shares move little, as the US total does. The weights are this demo's choice, shaped by the
 * reported ranks, not reported figures.
 */
// prettier-ignore
export const chineseRoster: readonly RosterEntry[] = [
  { id: 'qwen/qwen3.6-plus',               weights: [[5, 0], [4, 4], [2, 20], [0, 36]] },
  { id: 'xiaomi/mimo-v2-pro',              weights: [[7, 4], [0, 11]] },
  { id: 'stepfun/step-3.5-flash',          weights: [[7, 5], [0, 9.5]] },
  { id: 'minimax/minimax-m2.7',            weights: [[3, 0], [2, 3], [0, 8.5]] },
  { id: 'z-ai/glm-5-turbo',                weights: [[4, 0], [3, 2], [0, 7.5]] },
  { id: 'moonshotai/kimi-k2.5',            weights: [[7, 17], [0, 5.5]] },
  { id: 'deepseek/deepseek-v3.2',          weights: [[7, 16], [0, 5]] },
  { id: 'z-ai/glm-5',                      weights: [[7, 10], [0, 5]] },
  { id: 'minimax/minimax-m2.5',            weights: [[7, 16], [0, 4]] },
  { id: 'bytedance/doubao-seed-2.0-pro',   weights: [[7, 4], [0, 2.5]] },
  { id: 'deepseek/deepseek-v3.2-thinking', weights: [[7, 4], [0, 1.5]] },
  { id: 'qwen/qwen3-max',                  weights: [[7, 6], [0, 1.5]] },
  { id: 'xiaomi/mimo-v2-flash',            weights: [[7, 2], [0, 1.5]] },
  { id: 'qwen/qwen-plus',                  weights: [[7, 5], [0, 1.2]] },
  { id: 'qwen/qwen-flash',                 weights: [[7, 3], [0, 1]] },
  { id: 'z-ai/glm-4.6',                    weights: [[7, 6], [0, 0.8]] },
  { id: 'moonshotai/kimi-k2-thinking',     weights: [[7, 3], [0, 0.8]] },
  { id: 'baidu/ernie-5.0',                 weights: [[7, 1.5], [0, 0.7]] },
  { id: 'bytedance/doubao-seed-1.6',       weights: [[7, 2], [0, 0.6]] },
  { id: 'baidu/ernie-4.5-turbo',           weights: [[7, 1], [0, 0.3]] },
];

// prettier-ignore
export const usRoster: readonly RosterEntry[] = [
  { id: 'anthropic/claude-sonnet-4.5',  weights: [[7, 30], [0, 27]] },
  { id: 'google/gemini-2.5-flash',      weights: [[7, 18], [0, 20]] },
  { id: 'openai/gpt-5',                 weights: [[7, 10], [0, 12]] },
  { id: 'openai/gpt-5-mini',            weights: [[7, 8], [0, 10]] },
  { id: 'google/gemini-2.5-pro',        weights: [[7, 9], [0, 8]] },
  { id: 'anthropic/claude-opus-4.1',    weights: [[7, 7], [0, 6]] },
  { id: 'anthropic/claude-haiku-4.5',   weights: [[7, 5], [0, 6]] },
  { id: 'openai/gpt-4.1',               weights: [[7, 6], [0, 4]] },
  { id: 'google/gemini-2.5-flash-lite', weights: [[7, 2], [0, 4]] },
  { id: 'openai/gpt-4o-mini',           weights: [[7, 5], [0, 3]] },
];

/** What the traffic model needs to know of a model, read from the catalog. */
export interface RosterModel {
  readonly id: string;
  readonly origin: 'CN' | 'US';
  readonly weights: readonly WeightPoint[];
  /** The smallest context length of its endpoints: a planned prompt plus its output fits every one. */
  readonly contextLength: number;
  /** The smallest `max_output` of its endpoints, if any sets one. */
  readonly maxOutputTokens: number | undefined;
  /** It lists `reasoning` among its parameters: its calls report reasoning tokens. */
  readonly isReasoning: boolean;
  /** An endpoint prices cache writes (Anthropic's prompt caching): its calls report cache writes. */
  readonly reportsCacheWrites: boolean;
}

/** The roster resolved against the catalog; a missing model or an origin other than the roster's is a data error. */
export function createRoster(catalog: Catalog): readonly RosterModel[] {
  const resolve = (entry: RosterEntry, origin: 'CN' | 'US'): RosterModel => {
    const model = catalog.models.get(entry.id);
    if (model === undefined) throw new Error(`simulate: the catalog has no model '${entry.id}' (market roster)`);
    if (model.origin !== origin) {
      throw new Error(`simulate: '${entry.id}' has origin ${model.origin} in the catalog, ${origin} in the roster`);
    }
    const maxOutputs = model.endpoints.flatMap((endpoint) =>
      endpoint.maxOutputTokens === undefined ? [] : [endpoint.maxOutputTokens],
    );
    return {
      id: entry.id,
      origin,
      weights: entry.weights,
      contextLength: Math.min(...model.endpoints.map((endpoint) => endpoint.contextLength)),
      maxOutputTokens: maxOutputs.length === 0 ? undefined : Math.min(...maxOutputs),
      isReasoning: model.supportedParameters.includes('reasoning'),
      reportsCacheWrites: model.endpoints.some((endpoint) => endpoint.prices.cacheWriteNanosPerMillion !== undefined),
    };
  };
  return [...chineseRoster.map((entry) => resolve(entry, 'CN')), ...usRoster.map((entry) => resolve(entry, 'US'))];
}

/** A model's weight `weeksAgo` weeks before the window's last week. */
export function weightAt(weights: readonly WeightPoint[], weeksAgo: number): number {
  const first = weights[0]!;
  const last = weights.at(-1)!;
  if (weeksAgo >= first[0]) return first[1];
  if (weeksAgo <= last[0]) return last[1];
  const laterIndex = weights.findIndex(([pointWeeksAgo]) => pointWeeksAgo <= weeksAgo);
  const [earlierWeeksAgo, earlierWeight] = weights[laterIndex - 1]!;
  const [laterWeeksAgo, laterWeight] = weights[laterIndex]!;
  const fraction = (earlierWeeksAgo - weeksAgo) / (earlierWeeksAgo - laterWeeksAgo);
  return earlierWeight + (laterWeight - earlierWeight) * fraction;
}
