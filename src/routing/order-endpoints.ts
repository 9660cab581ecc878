import type { Endpoint } from '../catalog/index.js';
import { resolvePrices } from '../catalog/index.js';
import type { HealthView } from '../health/index.js';
import { endpointKey } from '../health/index.js';
import { shuffleByPrice, totalPriceNanos } from './shuffle-by-price.js';

export type RouteSort = 'price' | 'throughput' | 'latency';

export interface OrderEndpointsInput {
  /** One model's endpoints that passed the filters, in declaration order. */
  readonly endpoints: readonly Endpoint[];
  /** `provider.order`: these provider ids first, in this order. */
  readonly order: readonly string[] | undefined;
  /** `provider.sort`, else the model suffix; undefined = price-weighted load balancing. */
  readonly sort: RouteSort | undefined;
  readonly nowMs: number;
  readonly health: HealthView;
  readonly random: () => number;
  /** The endpoint holding this conversation's prompt cache (see `findKeptSticky`), read only when it could matter. */
  readonly readStickyEndpointKey: (() => string | undefined) | undefined;
}

/**
 * One model's attempt order. Available endpoints come first, then those the
 * health view marks unavailable (never dropped: when all are down we still try).
 * Within each group: `order` ids first, then the rest — sorted when `sort` is set,
 * else shuffled with weight 1/price² — with the sticky endpoint, if kept, first of the rest.
 */
export function orderEndpoints(input: OrderEndpointsInput): Endpoint[] {
  // One endpoint is its own order (available or not, it is tried): no health reads, prices or draws.
  if (input.endpoints.length === 1) return [...input.endpoints];
  const availability = new Map(
    input.endpoints.map((endpoint) => [endpoint, input.health.isAvailable(endpointKey(endpoint), input.nowMs)]),
  );
  const available = input.endpoints.filter((endpoint) => availability.get(endpoint) === true);
  const unavailable = input.endpoints.filter((endpoint) => availability.get(endpoint) !== true);
  return [...orderGroup(available, input, true), ...orderGroup(unavailable, input, false)];
}

function orderGroup(endpoints: readonly Endpoint[], input: OrderEndpointsInput, isStickyGroup: boolean): Endpoint[] {
  const ordered = new Set(
    (input.order ?? []).flatMap((id) => endpoints.filter((endpoint) => endpoint.provider.id === id)),
  );
  const rest = endpoints.filter((endpoint) => !ordered.has(endpoint));
  const arranged =
    input.sort === undefined ? shuffleByPrice(rest, input.nowMs, input.random) : sortEndpoints(rest, input);
  const sticky = isStickyGroup ? findKeptSticky(rest, endpoints, input) : undefined;
  const restInOrder = sticky === undefined ? arranged : [sticky, ...arranged.filter((endpoint) => endpoint !== sticky)];
  return [...ordered, ...restInOrder];
}

/**
 * Prompt-cache stickiness. The sticky endpoint (when it is among `rest`, i.e.
 * not placed by `order`) goes first while staying is no dearer than moving:
 *
 *   keep ⇔ sticky's cache-read price (its prompt price when it has none)
 *          ≤ the lowest prompt price among the other available candidates
 *
 * (a cache hit there against a cold prompt elsewhere, prices in force now).
 * Only for price-driven ordering (default or `sort: price`): a client that asked
 * for throughput or latency gets the fastest endpoint instead.
 */
function findKeptSticky(
  rest: readonly Endpoint[],
  candidates: readonly Endpoint[],
  input: OrderEndpointsInput,
): Endpoint | undefined {
  // One candidate leaves nothing to choose: the key is not even read (nor, then, the conversation hashed).
  if (candidates.length < 2 || rest.length === 0) return undefined;
  if (input.readStickyEndpointKey === undefined || (input.sort !== undefined && input.sort !== 'price'))
    return undefined;
  const stickyKey = input.readStickyEndpointKey();
  if (stickyKey === undefined) return undefined;
  const sticky = rest.find((endpoint) => endpointKey(endpoint) === stickyKey);
  if (sticky === undefined) return undefined;
  const stickyPrices = resolvePrices(sticky, input.nowMs);
  const stayNanos = stickyPrices.cacheReadNanosPerMillion ?? stickyPrices.promptNanosPerMillion;
  const isCheapest = candidates.every(
    (other) => other === sticky || stayNanos <= resolvePrices(other, input.nowMs).promptNanosPerMillion,
  );
  return isCheapest ? sticky : undefined;
}

/** Deterministic sorts; ties and unknown measurements keep declaration order (the sort is stable). */
function sortEndpoints(endpoints: readonly Endpoint[], input: OrderEndpointsInput): Endpoint[] {
  const { sort, nowMs, health } = input;
  switch (sort) {
    case 'price': {
      const prices = new Map(endpoints.map((endpoint) => [endpoint, totalPriceNanos(endpoint, nowMs)]));
      return [...endpoints].sort((left, right) => compareBigints(prices.get(left), prices.get(right)));
    }
    case 'throughput':
      return sortByMeasurement(endpoints, (key) => health.measuredThroughput(key, nowMs), -1);
    case 'latency':
      return sortByMeasurement(endpoints, (key) => health.measuredLatencyMs(key, nowMs), 1);
    case undefined:
      return [...endpoints];
    default: {
      const unreachable: never = sort;
      return unreachable;
    }
  }
}

/** `direction` 1 = ascending, -1 = descending; endpoints without a measurement go last. */
function sortByMeasurement(
  endpoints: readonly Endpoint[],
  measure: (key: string) => number | undefined,
  direction: 1 | -1,
): Endpoint[] {
  const values = new Map(
    endpoints.map((endpoint) => {
      const value = measure(endpointKey(endpoint));
      return [endpoint, value !== undefined && Number.isFinite(value) ? value : undefined];
    }),
  );
  return [...endpoints].sort((left, right) => {
    const leftValue = values.get(left);
    const rightValue = values.get(right);
    if (leftValue === undefined || rightValue === undefined) {
      return leftValue === rightValue ? 0 : leftValue === undefined ? 1 : -1;
    }
    return (leftValue - rightValue) * direction;
  });
}

function compareBigints(left: bigint | undefined, right: bigint | undefined): number {
  if (left === undefined || right === undefined) return 0;
  return left < right ? -1 : left > right ? 1 : 0;
}
