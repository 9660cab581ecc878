import type { Endpoint } from '../catalog/index.js';
import { resolvePrices } from '../catalog/index.js';

/**
 * OpenRouter's default load balancing: endpoints in a random order where each
 * draw (without replacement) picks endpoint i with probability w_i / Σ w, with
 *
 *   p_i = max(1 nano, prompt_i + completion_i)   effective prices at `nowMs`, per 1M tokens
 *   w_i = (p_min / p_i)²                          p_min = the smallest p among the candidates
 *
 * i.e. weight ∝ 1 / price² ("inverse square of price"), scaled so the cheapest
 * weighs 1 and no weight underflows. A free endpoint counts as 1 nano, so it gets
 * the largest finite weight. Prices 1, 2, 4 → weights 1, 1/4, 1/16 → first choice
 * 76.2 %, 19.0 %, 4.8 %. `random` returns [0, 1); one call per draw but the last.
 */
export function shuffleByPrice(endpoints: readonly Endpoint[], nowMs: number, random: () => number): Endpoint[] {
  const prices = endpoints.map((endpoint) => {
    const total = totalPriceNanos(endpoint, nowMs);
    return total < 1n ? 1n : total;
  });
  const cheapest = Number(prices.reduce((low, price) => (price < low ? price : low), prices[0] ?? 1n));
  const pool = endpoints.map((endpoint, index) => ({
    endpoint,
    weight: (cheapest / Number(prices[index] ?? 1n)) ** 2,
  }));
  const shuffled: Endpoint[] = [];
  while (pool.length > 1) {
    const index = drawIndex(pool, random());
    shuffled.push(...pool.splice(index, 1).map((entry) => entry.endpoint));
  }
  shuffled.push(...pool.map((entry) => entry.endpoint));
  return shuffled;
}

/** Prompt + completion price per 1M tokens in force at `nowMs` (time-of-day windows included). */
export function totalPriceNanos(endpoint: Endpoint, nowMs: number): bigint {
  const prices = resolvePrices(endpoint, nowMs);
  return prices.promptNanosPerMillion + prices.completionNanosPerMillion;
}

function drawIndex(pool: readonly { readonly weight: number }[], unit: number): number {
  const total = pool.reduce((sum, entry) => sum + entry.weight, 0);
  let remaining = unit * total;
  for (const [index, entry] of pool.entries()) {
    if (remaining < entry.weight) return index;
    remaining -= entry.weight;
  }
  // Rounding can leave `remaining` a hair above the last weight: that draw belongs to the last entry.
  return pool.length - 1;
}
