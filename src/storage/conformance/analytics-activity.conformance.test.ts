import { expect, it } from 'vitest';
import type { ActivityParams } from '../../analytics/index.js';
import { usageAt } from '../../analytics/sqlite/records-test-support.js';
import { describeEachDriverWithRecords } from './analytics-test-support.js';

/**
 * The exact time-series and Activity cases of the SQLite analytics tests (src/analytics/sqlite/query-*.test.ts), run
 * on both drivers: each dataset in its own store, written through the generation store, read through the port.
 */

describeEachDriverWithRecords(
  'time series across a DST change',
  () => [
    usageAt('2026-03-28T22:59:59.999Z', 'openai/gpt-5', { prompt: 1, completion: 0 }, { costNanos: 1n }),
    usageAt('2026-03-28T23:00:00.000Z', 'openai/gpt-5', { prompt: 1, completion: 0 }, { costNanos: 10n }),
    usageAt('2026-03-29T21:59:59.999Z', 'zhipu/glm-4.6', { prompt: 1, completion: 0 }, { costNanos: 100n }),
    usageAt('2026-03-29T22:00:00.000Z', 'zhipu/glm-4.6', { prompt: 1, completion: 0 }, { costNanos: 1_000n }),
    usageAt('2026-03-29T12:00:00.000Z', 'secret/model', { prompt: 1, completion: 0 }, { orgId: 'org-b' }),
  ],
  (context) => {
    it('uses zoned days of 23 hours across a DST change, and filters by org', async () => {
      const result = await context.ports.analytics.timeSeries({
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
  },
);

const week = { fromMs: Date.UTC(2026, 5, 29), toMs: Date.UTC(2026, 6, 6) };
const zero = {
  requests: 0,
  requestsUsageEstimated: 0,
  requestsUsageUnknown: 0,
  promptTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
  cachedTokens: 0,
  totalTokens: 0,
  costNanos: 0n,
  upstreamCostNanos: 0n,
};

describeEachDriverWithRecords(
  'activity',
  () => [
    usageAt(
      '2026-06-29T10:00:00Z',
      'openai/gpt-5',
      { prompt: 1_000, completion: 500 },
      { keyId: 'key-a', costNanos: 5_000n, upstreamCostNanos: 4_000n },
    ),
    usageAt(
      '2026-06-30T23:30:00Z',
      'deepseek/deepseek-v3.2',
      { prompt: 2_000, completion: 100 },
      { keyId: 'key-b', costNanos: 300n, upstreamCostNanos: 200n, isUsageEstimated: true },
    ),
    usageAt(
      '2026-07-01T00:10:00Z',
      'deepseek/deepseek-v3.2',
      { prompt: 0, completion: 50 },
      { keyId: 'key-a', tokensInputTotal: null, costNanos: 100n, upstreamCostNanos: 50n },
    ),
    usageAt(
      '2026-07-02T12:00:00Z',
      'moonshot/kimi-k2',
      { prompt: 400, completion: 100 },
      { keyId: 'key-b', costNanos: 300n, upstreamCostNanos: 250n },
    ),
    usageAt(
      '2026-06-30T12:00:00Z',
      'secret/model',
      { prompt: 99_999, completion: 1 },
      { orgId: 'org-b', keyId: 'key-z', costNanos: 999_999n },
    ),
    // Counts no upstream could mean are kept on the record but added to the rollups as unknown (0).
    usageAt(
      '2026-06-30T12:00:00Z',
      'secret/model',
      { prompt: -5, completion: 2.5 },
      { orgId: 'org-odd', keyId: 'key-odd', tokensOutputReasoning: 10 ** 12 + 1, costNanos: 1n },
    ),
  ],
  (context) => {
    it('totals the org’s usage per model, most spend first, with every measure', async () => {
      const result = await context.ports.analytics.activity({ orgId: 'org-a', ...week, groupBy: 'model' });
      expect(result.rows).toEqual([
        {
          key: 'openai/gpt-5',
          requests: 1,
          requestsUsageEstimated: 0,
          requestsUsageUnknown: 0,
          promptTokens: 1_000,
          completionTokens: 500,
          reasoningTokens: 50,
          cachedTokens: 800,
          totalTokens: 1_500,
          costNanos: 5_000n,
          upstreamCostNanos: 4_000n,
        },
        {
          key: 'deepseek/deepseek-v3.2',
          requests: 2,
          requestsUsageEstimated: 1,
          requestsUsageUnknown: 1,
          promptTokens: 2_000,
          completionTokens: 150,
          reasoningTokens: 100,
          cachedTokens: 1_600,
          totalTokens: 2_150,
          costNanos: 400n,
          upstreamCostNanos: 250n,
        },
        {
          key: 'moonshot/kimi-k2',
          requests: 1,
          requestsUsageEstimated: 0,
          requestsUsageUnknown: 0,
          promptTokens: 400,
          completionTokens: 100,
          reasoningTokens: 50,
          cachedTokens: 800,
          totalTokens: 500,
          costNanos: 300n,
          upstreamCostNanos: 250n,
        },
      ]);
      expect(result.total).toEqual({
        requests: 4,
        requestsUsageEstimated: 1,
        requestsUsageUnknown: 1,
        promptTokens: 3_400,
        completionTokens: 750,
        reasoningTokens: 200,
        cachedTokens: 3_200,
        totalTokens: 4_150,
        costNanos: 5_700n,
        upstreamCostNanos: 4_500n,
      });
    });

    it('groups by key and by provider', async () => {
      const { analytics } = context.ports;
      const keys = await analytics.activity({ orgId: 'org-a', ...week, groupBy: 'key' });
      expect(keys.rows.map((row) => [row.key, row.requests, row.costNanos])).toEqual([
        ['key-a', 2, 5_100n],
        ['key-b', 2, 600n],
      ]);
      const providers = await analytics.activity({ orgId: 'org-a', ...week, groupBy: 'provider' });
      expect(providers.rows.map((row) => [row.key, row.totalTokens])).toEqual([
        ['openai', 1_500],
        ['deepseek', 2_150],
        ['siliconflow', 500],
      ]);
    });

    it('splits a range into the zone’s days, zeros included, widened to whole quarter-hours', async () => {
      const { analytics } = context.ports;
      const range: ActivityParams = {
        orgId: 'org-a',
        fromMs: Date.UTC(2026, 5, 30, 0, 7),
        toMs: Date.UTC(2026, 6, 1, 22, 5),
        groupBy: 'day',
        timeZone: 'Europe/Berlin',
      };
      const berlin = await analytics.activity(range);
      expect([berlin.fromMs, berlin.toMs, berlin.timeZone]).toEqual([
        Date.UTC(2026, 5, 30),
        Date.UTC(2026, 6, 1, 22, 15),
        'Europe/Berlin',
      ]);
      expect(berlin.rows.map((row) => [row.key, row.requests, row.costNanos])).toEqual([
        ['2026-06-30', 0, 0n],
        ['2026-07-01', 2, 400n],
        ['2026-07-02', 0, 0n],
      ]);
      const utc = await analytics.activity({ ...range, timeZone: undefined });
      expect(utc.rows.map((row) => [row.key, row.requests, row.costNanos])).toEqual([
        ['2026-06-30', 1, 300n],
        ['2026-07-01', 1, 100n],
      ]);
    });

    it('never returns another org’s usage', async () => {
      const { analytics } = context.ports;
      for (const groupBy of ['model', 'key', 'provider', 'day'] as const) {
        const result = await analytics.activity({ orgId: 'org-a', ...week, groupBy });
        expect(result.total.costNanos).toBe(5_700n);
        expect(result.rows.map((row) => row.key)).not.toContain('secret/model');
        expect(result.rows.map((row) => row.key)).not.toContain('key-z');
      }
      expect((await analytics.activity({ orgId: 'org-b', ...week, groupBy: 'key' })).rows).toEqual([
        {
          ...zero,
          key: 'key-z',
          requests: 1,
          promptTokens: 99_999,
          completionTokens: 1,
          reasoningTokens: 50,
          cachedTokens: 800,
          totalTokens: 100_000,
          costNanos: 999_999n,
          upstreamCostNanos: 700n,
        },
      ]);
      expect(await analytics.activity({ orgId: 'org-c', ...week, groupBy: 'model' })).toMatchObject({
        rows: [],
        total: zero,
      });
    });

    it('adds impossible counts (negative, fractional, above 10^12) as 0 and counts the request as unknown', async () => {
      const result = await context.ports.analytics.activity({ orgId: 'org-odd', ...week, groupBy: 'key' });
      expect(result.rows).toEqual([
        {
          ...zero,
          key: 'key-odd',
          requests: 1,
          requestsUsageUnknown: 1,
          cachedTokens: 800,
          costNanos: 1n,
          upstreamCostNanos: 700n,
        },
      ]);
    });

    it.each([
      [{ orgId: '' }, 'orgId'],
      [{ fromMs: week.toMs }, 'from'],
      [{ fromMs: -1 }, 'from'],
      [{ toMs: week.fromMs + 401 * 86_400_000 }, 'to'],
      [{ groupBy: 'app' }, 'groupBy'],
      [{ timeZone: 'Nowhere/Else' }, 'timeZone'],
    ])('refuses activity with %j as an invalid %s', async (override, param) => {
      const params = { orgId: 'org-a', ...week, groupBy: 'model', ...override } as ActivityParams;
      await expect(context.ports.analytics.activity(params)).rejects.toMatchObject({
        name: 'AnalyticsQueryError',
        param,
      });
    });
  },
);
