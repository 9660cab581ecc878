import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../catalog/catalog-types.js';
import { createTestPrices } from '../metering/test-prices.js';
import type { RoutePlan } from '../routing/index.js';
import { dearestPrices } from './size-hold.js';

function planOf(...prices: ReturnType<typeof createTestPrices>[]): RoutePlan {
  const endpoints = prices.map((table) => ({ prices: table, schedule: [] }) as unknown as Endpoint);
  return { attempts: endpoints.map((endpoint) => ({ endpoint })) } as unknown as RoutePlan;
}

describe('dearestPrices', () => {
  it('sizes the prompt at the dearest cache-write price, the 1-hour one included', () => {
    const claude = createTestPrices({
      promptNanosPerMillion: 3_000_000_000n,
      cacheWriteNanosPerMillion: 3_750_000_000n,
      cacheWrite1hNanosPerMillion: 6_000_000_000n,
    });
    expect(dearestPrices(planOf(createTestPrices(), claude), 0).cacheWriteNanosPerMillion).toBe(6_000_000_000n);
  });

  it('never sizes the prompt below the prompt price', () => {
    const cheapWrites = createTestPrices({ cacheWriteNanosPerMillion: 1n, cacheWrite1hNanosPerMillion: 2n });
    expect(dearestPrices(planOf(cheapWrites), 0).cacheWriteNanosPerMillion).toBe(280_000_000n);
  });
});
