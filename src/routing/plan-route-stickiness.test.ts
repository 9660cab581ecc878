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

/**
 * cache/model: `warm` holds the conversation's cache (prompt 1.00, cache read 0.10);
 * `cold` has no cache for it and costs `coldPrompt` per 1M prompt tokens.
 */
function createCacheCatalog(coldPrompt: string) {
  return createTestCatalog([
    createTestModel('cache/model', [
      { provider: 'cold', prompt: coldPrompt, completion: '1' },
      { provider: 'warm', prompt: '1', completion: '1', cacheRead: '0.1' },
      { provider: 'other', prompt: '3', completion: '3' },
    ]),
  ]);
}

type Overrides = Partial<Omit<PlanRouteInput, 'controls'>> & { readonly raw?: Record<string, unknown> };

function planCache(coldPrompt: string, overrides: Overrides = {}): string[] {
  const input = createPlanInput(createCacheCatalog(coldPrompt), 'cache/model', {
    readStickyEndpointKey: () => 'warm/warm-model',
    raw: { provider: { sort: 'price' } },
    ...overrides,
  });
  return describePlan(planRoute(input)).map((attempt) => attempt.replace('cache/model@', ''));
}

describe('planRoute prompt-cache stickiness', () => {
  it('keeps the sticky endpoint first while its cache read is no dearer than the cheapest other prompt', () => {
    expect(planCache('0.5')).toEqual(['warm', 'cold', 'other']);
    // Equal: staying costs the same as moving, and staying keeps the cache warm.
    expect(planCache('0.1')).toEqual(['warm', 'cold', 'other']);
  });

  it('moves when a cold prompt elsewhere is cheaper than the cache read', () => {
    expect(planCache('0.099999999')).toEqual(['cold', 'warm', 'other']);
  });

  it('uses the prompt price of a sticky endpoint without a cache-read price', () => {
    const catalog = createRoutingTestCatalog();
    const plan = (stickyEndpointKey: string, random: () => number) =>
      describePlan(
        planRoute(
          createPlanInput(catalog, 'meta/llama', {
            readStickyEndpointKey: () => stickyEndpointKey,
            random,
            nowMs: peakMs,
          }),
        ),
      );
    // Draws near 1 put groq first: together's prompt 0.88 > groq's 0.59, so the sticky together is not pulled ahead.
    expect(plan('together/together-model', () => 0.999_999)).toEqual(['meta/llama@groq', 'meta/llama@together']);
    // Draws of 0 put together first: groq's prompt 0.59 ≤ together's 0.88, so the sticky groq is pulled ahead.
    expect(plan('groq/groq-model', () => 0)).toEqual(['meta/llama@groq', 'meta/llama@together']);
  });

  it('applies in the default load-balanced mode', () => {
    expect(planCache('0.5', { raw: {}, random: () => 0 })).toEqual(['warm', 'cold', 'other']);
    expect(planCache('0.5', { raw: {}, random: () => 0, readStickyEndpointKey: () => undefined })).toEqual([
      'cold',
      'warm',
      'other',
    ]);
  });

  it('lets provider.order win over stickiness', () => {
    expect(planCache('0.5', { raw: { provider: { order: ['other'] } } })).toEqual(['other', 'warm', 'cold']);
  });

  it('does not stick to an unavailable endpoint', () => {
    const health = createFakeHealth({ unavailable: ['warm/warm-model'] });
    expect(planCache('0.5', { health })).toEqual(['cold', 'other', 'warm']);
  });

  it('does not stick when the client sorts by latency', () => {
    const health = createFakeHealth({ latencyMs: { 'other/other-model': 100, 'cold/cold-model': 200 } });
    expect(planCache('0.5', { health, raw: { provider: { sort: 'latency' } } })).toEqual(['other', 'cold', 'warm']);
  });

  it('reads the sticky key only when the requested model leaves a price-ordered choice', () => {
    const reads: string[] = [];
    const reader = (label: string) => () => {
      reads.push(label);
      return 'warm/warm-model';
    };
    const single = createTestCatalog([
      createTestModel('solo/model', [{ provider: 'only', prompt: '1', completion: '1' }]),
    ]);
    expect(
      describePlan(planRoute(createPlanInput(single, 'solo/model', { readStickyEndpointKey: reader('one endpoint') }))),
    ).toEqual(['solo/model@only']);
    const health = createFakeHealth({ unavailable: ['cold/cold-model', 'other/other-model'] });
    expect(planCache('0.5', { health, readStickyEndpointKey: reader('one available') })).toEqual([
      'warm',
      'cold',
      'other',
    ]);
    expect(
      planCache('0.5', { raw: { provider: { only: ['cold'] } }, readStickyEndpointKey: reader('filtered to one') }),
    ).toEqual(['cold']);
    expect(
      planCache('0.5', { raw: { provider: { sort: 'throughput' } }, readStickyEndpointKey: reader('throughput') }),
    ).toEqual(['cold', 'warm', 'other']);
    expect(reads).toEqual([]);
    expect(planCache('0.5', { readStickyEndpointKey: reader('a choice') })).toEqual(['warm', 'cold', 'other']);
    expect(reads).toEqual(['a choice']);
  });

  it('ignores a sticky key that is filtered out or unknown', () => {
    expect(planCache('0.5', { raw: { provider: { sort: 'price', ignore: ['warm'] } } })).toEqual(['cold', 'other']);
    expect(planCache('0.5', { readStickyEndpointKey: () => 'gone/gone-model' })).toEqual(['cold', 'warm', 'other']);
  });
});
