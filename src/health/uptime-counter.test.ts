import { describe, expect, it } from 'vitest';
import { createUptimeCounter } from './uptime-counter.js';

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

describe('createUptimeCounter', () => {
  it('is undefined in every window before any request', () => {
    expect(createUptimeCounter().uptime(0)).toEqual({ last5m: undefined, last30m: undefined, last1d: undefined });
  });

  it('is successes ÷ requests', () => {
    const counter = createUptimeCounter();
    counter.add(1_000, true);
    counter.add(2_000, true);
    counter.add(3_000, false);
    expect(counter.uptime(3_000)).toEqual({ last5m: 2 / 3, last30m: 2 / 3, last1d: 2 / 3 });
  });

  it('drops an outcome from each window exactly when its bucket turns the window length old', () => {
    const counter = createUptimeCounter();
    counter.add(0, false);
    counter.add(9_999, false);
    expect(counter.uptime(5 * minuteMs - 1)).toEqual({ last5m: 0, last30m: 0, last1d: 0 });
    expect(counter.uptime(5 * minuteMs)).toEqual({ last5m: undefined, last30m: 0, last1d: 0 });
    expect(counter.uptime(30 * minuteMs - 1)).toEqual({ last5m: undefined, last30m: 0, last1d: 0 });
    expect(counter.uptime(30 * minuteMs)).toEqual({ last5m: undefined, last30m: undefined, last1d: 0 });
    expect(counter.uptime(dayMs - 1)).toEqual({ last5m: undefined, last30m: undefined, last1d: 0 });
    expect(counter.uptime(dayMs)).toEqual({ last5m: undefined, last30m: undefined, last1d: undefined });
  });

  it('mixes recent and older outcomes per window', () => {
    const counter = createUptimeCounter();
    counter.add(0, false);
    counter.add(15 * minuteMs, false);
    counter.add(40 * minuteMs, true);
    counter.add(40 * minuteMs, true);
    expect(counter.uptime(40 * minuteMs)).toEqual({ last5m: 1, last30m: 2 / 3, last1d: 0.5 });
  });
});
