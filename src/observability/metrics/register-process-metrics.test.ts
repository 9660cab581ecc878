import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './create-metrics-registry.js';
import type { ProcessMetricsHandle } from './register-process-metrics.js';
import { registerProcessMetrics } from './register-process-metrics.js';
import { parseExposition } from './test-support.js';

const handles: ProcessMetricsHandle[] = [];
afterEach(() => {
  for (const handle of handles.splice(0)) handle.stop();
});

function setUp() {
  const registry = createMetricsRegistry();
  handles.push(registerProcessMetrics(registry, { eventLoopResolutionMs: 10 }));
  return registry;
}

function valueOf(text: string, name: string): number {
  const sample = parseExposition(text).get(name)?.samples[0];
  if (sample === undefined) throw new Error(`no sample for ${name}`);
  return Number(sample.value);
}

describe('registerProcessMetrics', () => {
  it('renders memory, start time, uptime and event-loop lag as valid gauges', () => {
    const text = setUp().render();
    const families = parseExposition(text);
    expect([...families.keys()]).toEqual([
      'nodejs_eventloop_lag_max_seconds',
      'nodejs_eventloop_lag_p50_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'process_uptime_seconds',
    ]);
    for (const family of families.values()) expect(family.type).toBe('gauge');
    expect(valueOf(text, 'process_resident_memory_bytes')).toBeGreaterThan(
      valueOf(text, 'nodejs_heap_size_used_bytes'),
    );
    expect(valueOf(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(valueOf(text, 'process_uptime_seconds')).toBeGreaterThan(0);
    const startSeconds = valueOf(text, 'process_start_time_seconds');
    expect(startSeconds).toBeLessThanOrEqual(Date.now() / 1000);
    expect(startSeconds).toBeGreaterThan(Date.UTC(2020, 0, 1) / 1000);
  });

  it('resets the lag window on every scrape: a scrape in the same tick has no sample and reads NaN', () => {
    const registry = setUp();
    registry.render();
    const text = registry.render();
    expect(valueOf(text, 'nodejs_eventloop_lag_max_seconds')).toBeNaN();
    expect(valueOf(text, 'nodejs_eventloop_lag_p50_seconds')).toBeNaN();
    expect(valueOf(text, 'nodejs_eventloop_lag_p99_seconds')).toBeNaN();
  });

  it('reports a blocked event loop in seconds, with the sampling interval subtracted', async () => {
    const registry = setUp();
    await sleep(30);
    registry.render();
    const blockedUntilMs = Date.now() + 120;
    while (Date.now() < blockedUntilMs) {
      // Busy-wait: the loop cannot run the monitor's timer meanwhile.
    }
    await sleep(40);
    const text = registry.render();
    const maxSeconds = valueOf(text, 'nodejs_eventloop_lag_max_seconds');
    // At least the 120 ms block minus one 10 ms interval; the unit is seconds, not nanoseconds or milliseconds.
    expect(maxSeconds).toBeGreaterThanOrEqual(0.1);
    expect(maxSeconds).toBeLessThan(60);
    expect(valueOf(text, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThanOrEqual(maxSeconds);
    expect(valueOf(text, 'nodejs_eventloop_lag_p99_seconds')).toBeLessThanOrEqual(maxSeconds);
  });
});
