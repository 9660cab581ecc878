import type { GenerationRecord } from '../../storage/index.js';
import { createRecord } from './test-support.js';

/** Catalog facts of the models used in tests. */
export const testModels = {
  'openai/gpt-5': { author: 'openai', origin: 'US', providerId: 'openai' },
  'deepseek/deepseek-v3.2': { author: 'deepseek', origin: 'CN', providerId: 'deepseek' },
  'moonshot/kimi-k2': { author: 'moonshot', origin: 'CN', providerId: 'siliconflow' },
  'zhipu/glm-4.6': { author: 'zhipu', origin: 'CN', providerId: 'zhipu' },
  'secret/model': { author: 'secret', origin: 'FR', providerId: 'secret' },
} as const;

let sequence = 0;

/** A generation of `model` finished at `finishedAtIso` with the given prompt and completion tokens. */
export function usageAt(
  finishedAtIso: string,
  modelId: keyof typeof testModels,
  tokens: { readonly prompt: number; readonly completion: number },
  overrides: Partial<GenerationRecord> = {},
): GenerationRecord {
  sequence += 1;
  const finishedAtMs = Date.parse(finishedAtIso);
  return createRecord(`gen-${sequence}`, {
    modelId,
    ...testModels[modelId],
    tokensInputTotal: tokens.prompt,
    tokensOutputTotal: tokens.completion,
    startedAtMs: finishedAtMs - 1_000,
    finishedAtMs,
    ...overrides,
  });
}

/** Records of the ISO week 2026-06-29..07-05 (across June/July), its previous week and the weeks around, in UTC. */
export function createWeekSpanningMonthsRecords(): GenerationRecord[] {
  return [
    // Current week.
    usageAt('2026-06-29T00:00:00.000Z', 'openai/gpt-5', { prompt: 3_000, completion: 1_000 }),
    usageAt('2026-07-05T23:59:59.999Z', 'openai/gpt-5', { prompt: 1_500, completion: 500 }),
    usageAt('2026-07-01T12:00:00.000Z', 'deepseek/deepseek-v3.2', { prompt: 2_500, completion: 500 }),
    usageAt(
      '2026-07-03T08:00:00.000Z',
      'moonshot/kimi-k2',
      { prompt: 800, completion: 200 },
      { isUsageEstimated: true },
    ),
    // The next week and the week before the previous one: never counted.
    usageAt('2026-07-06T00:00:00.000Z', 'openai/gpt-5', { prompt: 100_000, completion: 0 }),
    usageAt('2026-06-21T23:59:59.999Z', 'zhipu/glm-4.6', { prompt: 7_777, completion: 0 }),
    // Previous week.
    usageAt('2026-06-22T00:00:00.000Z', 'openai/gpt-5', { prompt: 3_000, completion: 1_000 }),
    usageAt('2026-06-28T23:59:59.999Z', 'deepseek/deepseek-v3.2', { prompt: 2_000, completion: 1_000 }),
    usageAt('2026-06-25T00:00:00.000Z', 'zhipu/glm-4.6', { prompt: 400, completion: 100 }),
  ];
}
