import type { Percentiles } from './health-types.js';
import { computePercentiles } from './compute-percentiles.js';

/** The most recent `capacity` measurements (TTFT or tokens/s), with their times. */
export interface SampleRing {
  add(nowMs: number, value: number): void;
  /** Percentiles over the kept samples younger than `maxAgeMs` at `nowMs`; undefined when none. */
  percentiles(nowMs: number): Percentiles | undefined;
  /** How many samples are kept (≤ capacity), whatever their age. */
  readonly size: number;
}

export interface SampleRingOptions {
  readonly capacity: number;
  readonly maxAgeMs: number;
}

interface Cached {
  readonly version: number;
  readonly computedAtMs: number;
  /** When the oldest counted sample ages out and the answer changes. */
  readonly validUntilMs: number;
  readonly result: Percentiles | undefined;
}

/**
 * A fixed ring: the newest sample overwrites the oldest, so memory is two
 * `capacity`-long arrays whatever the traffic. A sample counts while
 * `sampleMs > nowMs - maxAgeMs`. Routing reads the median for every candidate on every
 * request, so the sorted result is cached until a sample is added or one ages out.
 */
export function createSampleRing(options: SampleRingOptions): SampleRing {
  const { capacity, maxAgeMs } = options;
  const values = new Float64Array(capacity);
  const times = new Float64Array(capacity);
  let size = 0;
  let next = 0;
  let version = 0;
  let cached: Cached | undefined;

  const compute = (nowMs: number): Cached => {
    const cutoffMs = nowMs - maxAgeMs;
    const counted: number[] = [];
    let oldestMs = Infinity;
    for (let index = 0; index < size; index += 1) {
      const timeMs = times[index] ?? -Infinity;
      if (timeMs <= cutoffMs) continue;
      counted.push(values[index] ?? 0);
      oldestMs = Math.min(oldestMs, timeMs);
    }
    counted.sort((left, right) => left - right);
    const result = computePercentiles(counted);
    return { version, computedAtMs: nowMs, validUntilMs: oldestMs + maxAgeMs, result };
  };

  return {
    add(nowMs, value) {
      values[next] = value;
      times[next] = nowMs;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
      version += 1;
    },
    percentiles(nowMs) {
      const isFresh =
        cached !== undefined &&
        cached.version === version &&
        nowMs >= cached.computedAtMs &&
        nowMs < cached.validUntilMs;
      if (!isFresh || cached === undefined) cached = compute(nowMs);
      return cached.result;
    },
    get size() {
      return size;
    },
  };
}
