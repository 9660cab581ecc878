import { describe, expect, it } from 'vitest';
import { planRoute } from './plan-route.js';
import type { PlanRouteInput } from './plan-route.js';
import {
  createFakeHealth,
  createPlanInput,
  createRoutingTestCatalog,
  createTestCatalog,
  createTestModel,
  describePlan,
  peakMs,
} from './test-support.js';

const catalog = createRoutingTestCatalog();
const deepseek = 'deepseek/deepseek-chat';

function plan(
  model: string,
  overrides: Partial<Omit<PlanRouteInput, 'controls'>> & { readonly raw?: Record<string, unknown> } = {},
): string[] {
  return describePlan(planRoute(createPlanInput(catalog, model, { nowMs: peakMs, ...overrides })));
}

const almostOne = () => 0.999_999;

describe('planRoute ordering', () => {
  it('load-balances by default: a draw of 0 takes candidates in declaration order, a draw near 1 from the end', () => {
    expect(plan(deepseek)).toEqual([`${deepseek}@deepseek`, `${deepseek}@together`, `${deepseek}@fireworks`]);
    expect(plan(deepseek, { random: almostOne })).toEqual([
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
      `${deepseek}@deepseek`,
    ]);
  });

  it('weighs each draw by 1/price²: weights 1, 0.0784, 0.1512 for prices 0.70, 2.50, 1.80', () => {
    // Total 1.2296: a draw of 0.85 lands at 1.0452, past deepseek's 1 and inside together's 0.0784.
    expect(plan(deepseek, { random: () => 0.85 })[0]).toBe(`${deepseek}@together`);
    // A draw of 0.88 lands at 1.0821, past together too: fireworks.
    expect(plan(deepseek, { random: () => 0.88 })[0]).toBe(`${deepseek}@fireworks`);
  });

  it('gives a free endpoint the largest finite weight (priced as 1 nano-unit)', () => {
    const withFree = createTestCatalog([
      createTestModel('free/model', [
        { provider: 'paid', prompt: '0.000000002' },
        { provider: 'free', prompt: '0' },
      ]),
    ]);
    const first = (random: () => number) =>
      describePlan(planRoute(createPlanInput(withFree, 'free/model', { random })))[0];
    // Weights 1/4 (paid, 2 nanos) and 1 (free): the first fifth of draws goes to paid, the rest to free.
    expect(first(() => 0.19)).toBe('free/model@paid');
    expect(first(() => 0.21)).toBe('free/model@free');
    expect(first(almostOne)).toBe('free/model@free');
  });

  it.each([
    ['sort price', deepseek, { provider: { sort: 'price' } }],
    [':floor', `${deepseek}:floor`, {}],
  ])('%s tries the cheapest prompt + completion first', (_label, model, raw) => {
    expect(plan(model, { raw, random: almostOne })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
    ]);
  });

  it('breaks price ties by declaration order', () => {
    expect(plan('tie/model', { raw: { provider: { sort: 'price' } } })).toEqual([
      'tie/model@z',
      'tie/model@x',
      'tie/model@y',
    ]);
  });

  it.each([
    ['sort throughput', deepseek, { provider: { sort: 'throughput' } }],
    [':nitro', `${deepseek}:nitro`, {}],
  ])('%s tries the highest measured throughput first, unmeasured last', (_label, model, raw) => {
    const health = createFakeHealth({
      throughput: { 'deepseek/deepseek-model': 40, 'together/together-model': 120 },
    });
    expect(plan(model, { raw, health })).toEqual([
      `${deepseek}@together`,
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
    ]);
  });

  it('sort latency tries the lowest measured latency first, unmeasured last', () => {
    const health = createFakeHealth({
      latencyMs: { 'deepseek/deepseek-model': 900, 'fireworks/fireworks-model': 300 },
    });
    expect(plan(deepseek, { raw: { provider: { sort: 'latency' } }, health })).toEqual([
      `${deepseek}@fireworks`,
      `${deepseek}@deepseek`,
      `${deepseek}@together`,
    ]);
  });

  it('lets provider.sort override the model suffix', () => {
    expect(plan(`${deepseek}:nitro`, { raw: { provider: { sort: 'price' } } })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
    ]);
  });

  it('puts provider.order first in its order, ignoring ids that are not candidates', () => {
    const raw = { provider: { order: ['together', 'nope', 'fireworks'] } };
    expect(plan(deepseek, { raw })).toEqual([`${deepseek}@together`, `${deepseek}@fireworks`, `${deepseek}@deepseek`]);
    expect(plan(deepseek, { raw: { provider: { order: ['fireworks'] } }, random: almostOne })).toEqual([
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
      `${deepseek}@deepseek`,
    ]);
  });

  it('sorts the endpoints after the ordered ones', () => {
    expect(plan(deepseek, { raw: { provider: { order: ['together'], sort: 'price' } } })).toEqual([
      `${deepseek}@together`,
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
    ]);
  });
});

describe('planRoute health', () => {
  it('moves unavailable endpoints to the end, keeping the policy among them', () => {
    const health = createFakeHealth({ unavailable: ['deepseek/deepseek-model'] });
    expect(plan(deepseek, { raw: { provider: { sort: 'price' } }, health })).toEqual([
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
      `${deepseek}@deepseek`,
    ]);
  });

  it('lets an available endpoint go before an unavailable ordered one', () => {
    const health = createFakeHealth({ unavailable: ['deepseek/deepseek-model'] });
    expect(plan(deepseek, { raw: { provider: { order: ['deepseek', 'together'] } }, health })).toEqual([
      `${deepseek}@together`,
      `${deepseek}@fireworks`,
      `${deepseek}@deepseek`,
    ]);
  });

  it('still tries everything when everything is unavailable', () => {
    const health = createFakeHealth({
      unavailable: ['deepseek/deepseek-model', 'together/together-model', 'fireworks/fireworks-model'],
    });
    expect(plan(deepseek, { raw: { provider: { sort: 'price' } }, health })).toEqual([
      `${deepseek}@deepseek`,
      `${deepseek}@fireworks`,
      `${deepseek}@together`,
    ]);
  });
});
