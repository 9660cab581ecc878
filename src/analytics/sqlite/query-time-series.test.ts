import { describe, expect, it } from 'vitest';
import { queryTimeSeries } from './query-time-series.js';
import { openWeekSpanningMonths, usageAt } from './records-test-support.js';
import { openTestDatabase, writeGenerations } from './test-support.js';

describe('queryTimeSeries', () => {
  it('stacks tokens by origin over weeks, densely, oldest week first', () => {
    const result = queryTimeSeries(openWeekSpanningMonths(), {
      interval: 'week',
      count: 3,
      date: '2026-07-01',
      stackBy: 'origin',
      measure: 'total_tokens',
    });
    expect(result.periods.map((period) => [period.start, period.end])).toEqual([
      ['2026-06-15T00:00:00+00:00', '2026-06-22T00:00:00+00:00'],
      ['2026-06-22T00:00:00+00:00', '2026-06-29T00:00:00+00:00'],
      ['2026-06-29T00:00:00+00:00', '2026-07-06T00:00:00+00:00'],
    ]);
    expect(result.keys).toEqual(['CN', 'US']);
    expect(result.points).toEqual([
      { periodStartMs: Date.UTC(2026, 5, 15), key: 'CN', value: 7_777 },
      { periodStartMs: Date.UTC(2026, 5, 15), key: 'US', value: 0 },
      { periodStartMs: Date.UTC(2026, 5, 22), key: 'CN', value: 3_500 },
      { periodStartMs: Date.UTC(2026, 5, 22), key: 'US', value: 4_000 },
      { periodStartMs: Date.UTC(2026, 5, 29), key: 'CN', value: 4_000 },
      { periodStartMs: Date.UTC(2026, 5, 29), key: 'US', value: 6_000 },
    ]);
  });

  it('uses zoned days of 23 hours across a DST change, and filters by org', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      usageAt('2026-03-28T22:59:59.999Z', 'openai/gpt-5', { prompt: 1, completion: 0 }, { costNanos: 1n }),
      usageAt('2026-03-28T23:00:00.000Z', 'openai/gpt-5', { prompt: 1, completion: 0 }, { costNanos: 10n }),
      usageAt('2026-03-29T21:59:59.999Z', 'zhipu/glm-4.6', { prompt: 1, completion: 0 }, { costNanos: 100n }),
      usageAt('2026-03-29T22:00:00.000Z', 'zhipu/glm-4.6', { prompt: 1, completion: 0 }, { costNanos: 1_000n }),
      usageAt('2026-03-29T12:00:00.000Z', 'secret/model', { prompt: 1, completion: 0 }, { orgId: 'org-b' }),
    ]);
    const result = queryTimeSeries(database, {
      interval: 'day',
      count: 3,
      date: '2026-03-30',
      timeZone: 'Europe/Berlin',
      stackBy: 'author',
      measure: 'spend',
      orgId: 'org-a',
    });
    expect(result.periods.map((period) => (period.endMs - period.startMs) / 3_600_000)).toEqual([24, 23, 24]);
    expect(result.keys).toEqual(['zhipu', 'openai']);
    expect(result.points.map((point) => [point.key, point.value])).toEqual([
      ['zhipu', 0n],
      ['openai', 1n],
      ['zhipu', 100n],
      ['openai', 10n],
      ['zhipu', 1_000n],
      ['openai', 0n],
    ]);
  });

  it.each([0, 367, 1.5])('refuses a count of %d', (count) => {
    expect(() =>
      queryTimeSeries(openTestDatabase(), {
        interval: 'week',
        count,
        date: '2026-07-01',
        stackBy: 'origin',
        measure: 'requests',
      }),
    ).toThrow(expect.objectContaining({ name: 'AnalyticsQueryError', param: 'count' }) as Error);
  });
});
