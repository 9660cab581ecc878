import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { parseRoutingControls } from './parse-routing-controls.js';
import { planRoute, routeAttemptsMax } from './plan-route.js';
import { createFakeHealth, createPlanInput, createTestCatalog, createTestModel, mulberry32 } from './test-support.js';

describe('planRoute default load balancing', () => {
  it('picks first choices in proportion to 1/price²: prices 1, 2, 4 → 76.2 %, 19.0 %, 4.8 % (±2 points)', () => {
    const catalog = createTestCatalog([
      createTestModel('dist/model', [
        { provider: 'one', prompt: '1' },
        { provider: 'two', prompt: '2' },
        { provider: 'four', prompt: '4' },
      ]),
    ]);
    const random = mulberry32(20_250_115);
    const plans = 10_000;
    const firsts = new Map<string, number>();
    for (let index = 0; index < plans; index += 1) {
      const first = planRoute(createPlanInput(catalog, 'dist/model', { random })).attempts[0]?.endpoint.provider.id;
      firsts.set(first ?? 'none', (firsts.get(first ?? 'none') ?? 0) + 1);
    }
    const expected = { one: 16 / 21, two: 4 / 21, four: 1 / 21 };
    for (const [provider, share] of Object.entries(expected)) {
      expect(Math.abs((firsts.get(provider) ?? 0) / plans - share)).toBeLessThanOrEqual(0.02);
    }
    expect(firsts.get('none')).toBeUndefined();
  });
});

const providerIds = ['a', 'b', 'c', 'd', 'e'] as const;
const providerSubset = fc.subarray([...providerIds]);

const modelArbitrary = fc.record({
  providers: fc.uniqueArray(fc.constantFrom(...providerIds), { minLength: 1, maxLength: 5 }),
  prompt: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 5 }),
});

const controlsArbitrary = fc.record(
  {
    only: providerSubset,
    ignore: providerSubset,
    order: providerSubset,
    allow_fallbacks: fc.boolean(),
    sort: fc.constantFrom('price', 'throughput', 'latency'),
  },
  { requiredKeys: ['allow_fallbacks'] },
);

describe('planRoute invariants (fast-check)', () => {
  it('never routes outside only or into ignore, and plans one attempt when allow_fallbacks is false', () => {
    fc.assert(
      fc.property(
        fc.array(modelArbitrary, { minLength: 1, maxLength: 3 }),
        controlsArbitrary,
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
        fc.subarray([...providerIds].map((id) => `${id}/${id}-model`)),
        fc.integer(),
        (models, provider, fallbackIndexes, unavailable, seed) => {
          const catalog = createTestCatalog(
            models.map((model, index) =>
              createTestModel(
                `m/${index}`,
                model.providers.map((id, position) => ({ provider: id, prompt: String(model.prompt[position]) })),
              ),
            ),
          );
          const fallbacks = fallbackIndexes.filter((index) => index < models.length).map((index) => `m/${index}`);
          const input = createPlanInput(catalog, 'm/0', {
            raw: { models: fallbacks, provider },
            health: createFakeHealth({ unavailable }),
            random: mulberry32(seed),
          });
          const preferences = parseRoutingControls({ provider }).provider;
          let attempts;
          try {
            attempts = planRoute(input).attempts;
          } catch (error) {
            expect(error).toBeInstanceOf(GatewayError);
            expect((error as GatewayError).code).toBe('no_available_provider');
            return;
          }
          expect(attempts.length).toBeGreaterThan(0);
          expect(attempts.length).toBeLessThanOrEqual(preferences.allowFallbacks ? routeAttemptsMax : 1);
          for (const { endpoint } of attempts) {
            const id = endpoint.provider.id;
            if (preferences.only !== undefined) expect(preferences.only).toContain(id);
            expect(preferences.ignore ?? []).not.toContain(id);
            if (!preferences.allowFallbacks && preferences.order !== undefined) expect(preferences.order).toContain(id);
          }
          const identities = attempts.map((attempt) => `${attempt.model.id}@${attempt.endpoint.provider.id}`);
          expect(new Set(identities).size).toBe(identities.length);
        },
      ),
      { numRuns: 500, seed: 42 },
    );
  });
});
