import { expect, it } from 'vitest';
import { AnalyticsQueryError, analyticsLimits } from '../../analytics/index.js';
import type { RankingsParams, TimeSeriesParams, UsageMeasure } from '../../analytics/index.js';
import { createWeekSpanningMonthsRecords, usageAt } from '../../analytics/sqlite/records-test-support.js';
import { describeEachDriverWithRecords } from './analytics-test-support.js';

/**
 * The exact ranking cases of the SQLite analytics tests (src/analytics/sqlite/query-rankings.test.ts, and the series
 * over the same week), run on both drivers: each dataset in its own store, written through the generation store,
 * read through the analytics port.
 */

const rankingsOf = (params: Omit<RankingsParams<UsageMeasure>, 'period' | 'date'>) => ({
  period: 'week' as const,
  date: '2026-07-01',
  ...params,
});

describeEachDriverWithRecords('rankings of a week spanning months', createWeekSpanningMonthsRecords, (context) => {
  it('ranks a week spanning a month boundary: top-N, share, growth and others, exactly', async () => {
    const result = await context.ports.analytics.rankings({
      period: 'week',
      date: '2026-07-02',
      by: 'model',
      measure: 'total_tokens',
      limit: 2,
    });
    expect(result).toEqual({
      period: 'week',
      by: 'model',
      measure: 'total_tokens',
      timeZone: 'UTC',
      current: {
        startMs: Date.UTC(2026, 5, 29),
        endMs: Date.UTC(2026, 6, 6),
        start: '2026-06-29T00:00:00+00:00',
        end: '2026-07-06T00:00:00+00:00',
      },
      previous: {
        startMs: Date.UTC(2026, 5, 22),
        endMs: Date.UTC(2026, 5, 29),
        start: '2026-06-22T00:00:00+00:00',
        end: '2026-06-29T00:00:00+00:00',
      },
      total: 10_000,
      previousTotal: 7_500,
      growth: 0.3333,
      rows: [
        { key: 'openai/gpt-5', value: 6_000, share: 0.6, previousValue: 4_000, growth: 0.5 },
        { key: 'deepseek/deepseek-v3.2', value: 3_000, share: 0.3, previousValue: 3_000, growth: 0 },
      ],
      others: { value: 1_000, share: 0.1, previousValue: 500, growth: 1, keyCount: 1 },
      requests: 4,
      requestsUsageEstimated: 1,
      requestsUsageUnknown: 0,
    });
  });

  it('ranks every measure and dimension of the same week', async () => {
    const rank = async (by: 'model' | 'author' | 'origin' | 'provider', measure: UsageMeasure) =>
      (await context.ports.analytics.rankings({ period: 'week', date: '2026-06-29', by, measure })).rows.map((row) => [
        row.key,
        row.value,
      ]);
    expect(await rank('model', 'total_tokens')).toEqual([
      ['openai/gpt-5', 6_000],
      ['deepseek/deepseek-v3.2', 3_000],
      ['moonshot/kimi-k2', 1_000],
    ]);
    expect(await rank('author', 'prompt_tokens')).toEqual([
      ['openai', 4_500],
      ['deepseek', 2_500],
      ['moonshot', 800],
    ]);
    expect(await rank('origin', 'completion_tokens')).toEqual([
      ['US', 1_500],
      ['CN', 700],
    ]);
    // 800 cached and 50 reasoning tokens per generation: ties go by key.
    expect(await rank('provider', 'cached_tokens')).toEqual([
      ['openai', 1_600],
      ['deepseek', 800],
      ['siliconflow', 800],
    ]);
    expect(await rank('model', 'reasoning_tokens')).toEqual([
      ['openai/gpt-5', 100],
      ['deepseek/deepseek-v3.2', 50],
      ['moonshot/kimi-k2', 50],
    ]);
    expect(await rank('model', 'requests')).toEqual([
      ['openai/gpt-5', 2],
      ['deepseek/deepseek-v3.2', 1],
      ['moonshot/kimi-k2', 1],
    ]);
  });

  it('names no key beyond those with usage: a limit above the key count leaves an empty others', async () => {
    const result = await context.ports.analytics.rankings({
      period: 'week',
      date: '2026-07-05',
      by: 'model',
      measure: 'total_tokens',
    });
    expect(result.rows.at(-1)).toEqual({
      key: 'moonshot/kimi-k2',
      value: 1_000,
      share: 0.1,
      previousValue: 0,
      growth: null,
    });
    // GLM was used only in the previous week: it is in others' previous value, not a row.
    expect(result.others).toEqual({ value: 0, share: 0, previousValue: 500, growth: -1, keyCount: 0 });
  });

  it('groups models outside the listed ones under "unlisted" when asked (the public view), by model only', async () => {
    const listedModelIds = new Set(['openai/gpt-5']);
    const week = { period: 'week', date: '2026-06-29', measure: 'total_tokens', listedModelIds } as const;
    const byModel = await context.ports.analytics.rankings({ ...week, by: 'model' });
    expect(byModel.rows.map((row) => [row.key, row.value, row.share, row.previousValue])).toEqual([
      ['openai/gpt-5', 6_000, 0.6, 4_000],
      ['unlisted', 4_000, 0.4, 3_500],
    ]);
    expect(byModel.total).toBe(10_000);
    const byAuthor = await context.ports.analytics.rankings({ ...week, by: 'author' });
    expect(byAuthor.rows.map((row) => row.key)).toEqual(['openai', 'deepseek', 'moonshot']);
    const series = await context.ports.analytics.timeSeries({
      interval: 'week',
      count: 2,
      date: '2026-06-29',
      stackBy: 'model',
      measure: 'total_tokens',
      listedModelIds,
    });
    expect(series.keys).toEqual(['openai/gpt-5', 'unlisted']);
    expect(series.points.map((point) => [point.key, point.value])).toEqual([
      ['openai/gpt-5', 4_000],
      ['unlisted', 3_500],
      ['openai/gpt-5', 6_000],
      ['unlisted', 4_000],
    ]);
  });

  it('stacks tokens by origin over weeks, densely, oldest week first', async () => {
    const result = await context.ports.analytics.timeSeries({
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

  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    [{ date: '2026-02-30' }, 'date'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 2.5 }, 'limit'],
    [{ minAppRequests: -1 }, 'minAppRequests'],
    [{ by: 'vendor' }, 'by'],
    [{ period: 'year' }, 'period'],
    [{ measure: 'cost' }, 'measure'],
  ])('refuses rankings with %j as an invalid %s', async (override, param) => {
    const params = { period: 'week', date: '2026-07-01', by: 'model', measure: 'requests', ...override };
    const refusal = context.ports.analytics.rankings(params as RankingsParams<UsageMeasure>);
    await expect(refusal).rejects.toBeInstanceOf(AnalyticsQueryError);
    await expect(refusal).rejects.toMatchObject({ code: 'invalid_request', status: 400, param });
  });

  it.each([0, 367, 1.5])('refuses a time series of %d periods', async (count) => {
    const params: TimeSeriesParams<'requests'> = {
      interval: 'week',
      count,
      date: '2026-07-01',
      stackBy: 'origin',
      measure: 'requests',
    };
    await expect(context.ports.analytics.timeSeries(params)).rejects.toMatchObject({
      name: 'AnalyticsQueryError',
      param: 'count',
    });
  });
});

describeEachDriverWithRecords(
  'rankings restricted to an org',
  () => [
    ...createWeekSpanningMonthsRecords(),
    usageAt(
      '2026-07-01T00:00:00Z',
      'secret/model',
      { prompt: 1_000_000, completion: 0 },
      { orgId: 'org-b', keyId: 'key-b' },
    ),
    usageAt(
      '2026-06-23T00:00:00Z',
      'secret/model',
      { prompt: 1_000_000, completion: 0 },
      { orgId: 'org-b', keyId: 'key-b' },
    ),
  ],
  (context) => {
    it('never shows another org’s usage', async () => {
      const { analytics } = context.ports;
      const params = rankingsOf({ by: 'model', measure: 'total_tokens' });
      const orgA = await analytics.rankings({ ...params, orgId: 'org-a' });
      expect([orgA.total, orgA.previousTotal, orgA.requests]).toEqual([10_000, 7_500, 4]);
      expect(orgA.rows.map((row) => row.key)).toEqual(['openai/gpt-5', 'deepseek/deepseek-v3.2', 'moonshot/kimi-k2']);
      const orgB = await analytics.rankings({ ...params, orgId: 'org-b' });
      expect(orgB.rows).toEqual([
        { key: 'secret/model', value: 1_000_000, share: 1, previousValue: 1_000_000, growth: 0 },
      ]);
      expect(orgB.others).toEqual({ value: 0, share: 0, previousValue: 0, growth: null, keyCount: 0 });
      expect((await analytics.rankings({ ...params, orgId: 'org-c' })).total).toBe(0);
      expect((await analytics.rankings(params)).total).toBe(1_010_000);
    });
  },
);

describeEachDriverWithRecords(
  'rankings of spend',
  () => [
    usageAt(
      '2026-06-30T10:00:00Z',
      'openai/gpt-5',
      { prompt: 1, completion: 1 },
      { costNanos: 9_007_199_254_740_993n },
    ),
    usageAt('2026-06-30T10:05:00Z', 'openai/gpt-5', { prompt: 1, completion: 1 }, { costNanos: 7n }),
    usageAt('2026-07-01T10:00:00Z', 'deepseek/deepseek-v3.2', { prompt: 1, completion: 1 }, { costNanos: 3n }),
    usageAt('2026-07-01T10:00:00Z', 'moonshot/kimi-k2', { prompt: 1, completion: 1 }, { costNanos: 0n }),
    usageAt(
      '2026-06-23T10:00:00Z',
      'openai/gpt-5',
      { prompt: 1, completion: 1 },
      { costNanos: 4_503_599_627_370_500n },
    ),
  ],
  (context) => {
    it('sums spend as exact bigint nano-USD, and ranks only keys that spent', async () => {
      const result = await context.ports.analytics.rankings(rankingsOf({ by: 'model', measure: 'spend' }));
      expect(result.total).toBe(9_007_199_254_741_003n);
      expect(result.previousTotal).toBe(4_503_599_627_370_500n);
      expect(result.rows).toEqual([
        {
          key: 'openai/gpt-5',
          value: 9_007_199_254_741_000n,
          share: 1,
          previousValue: 4_503_599_627_370_500n,
          growth: 1,
        },
        { key: 'deepseek/deepseek-v3.2', value: 3n, share: 0, previousValue: 0n, growth: null },
      ]);
      expect(result.others).toEqual({ value: 0n, share: 0, previousValue: 0n, growth: null, keyCount: 1 });
    });
  },
);

describeEachDriverWithRecords(
  'rankings in zones',
  () => [
    usageAt('2026-06-28T15:59:59.999Z', 'openai/gpt-5', { prompt: 100, completion: 0 }), // Sun 23:59 CST
    usageAt('2026-06-28T16:00:00.000Z', 'openai/gpt-5', { prompt: 200, completion: 0 }), // Mon 00:00 CST
    usageAt('2026-07-05T15:59:59.999Z', 'deepseek/deepseek-v3.2', { prompt: 400, completion: 0 }), // Sun 23:59
    usageAt('2026-07-05T16:00:00.000Z', 'deepseek/deepseek-v3.2', { prompt: 800, completion: 0 }), // Mon 07-06
    // America/Los_Angeles around its spring-forward (2026-03-08).
    usageAt('2026-03-02T07:59:59.999Z', 'openai/gpt-5', { prompt: 1, completion: 0 }), // Sun 23:59 PST: previous
    usageAt('2026-03-02T08:00:00.000Z', 'openai/gpt-5', { prompt: 10, completion: 0 }), // Mon 00:00 PST
    usageAt('2026-03-09T06:59:59.999Z', 'openai/gpt-5', { prompt: 100, completion: 0 }), // Sun 23:59 PDT
    usageAt('2026-03-09T07:00:00.000Z', 'openai/gpt-5', { prompt: 1_000, completion: 0 }), // Mon 00:00 PDT: next
    usageAt('2026-03-09T07:30:00.000Z', 'openai/gpt-5', { prompt: 10_000, completion: 0 }), // next
  ],
  (context) => {
    it('uses the zone’s own week: Asia/Shanghai moves records across the UTC week boundary', async () => {
      const { analytics } = context.ports;
      const shanghai = await analytics.rankings(
        rankingsOf({ timeZone: 'Asia/Shanghai', by: 'model', measure: 'total_tokens' }),
      );
      expect(shanghai.current).toEqual({
        startMs: Date.UTC(2026, 5, 28, 16),
        endMs: Date.UTC(2026, 6, 5, 16),
        start: '2026-06-29T00:00:00+08:00',
        end: '2026-07-06T00:00:00+08:00',
      });
      expect([shanghai.total, shanghai.previousTotal]).toEqual([600, 100]);
      expect(shanghai.rows).toEqual([
        { key: 'deepseek/deepseek-v3.2', value: 400, share: 0.6667, previousValue: 0, growth: null },
        { key: 'openai/gpt-5', value: 200, share: 0.3333, previousValue: 100, growth: 1 },
      ]);
      const utc = await analytics.rankings(rankingsOf({ by: 'model', measure: 'total_tokens' }));
      expect([utc.total, utc.previousTotal]).toEqual([1_200, 300]);
      expect(utc.rows).toEqual([
        { key: 'deepseek/deepseek-v3.2', value: 1_200, share: 1, previousValue: 0, growth: null },
      ]);
    });

    it('ends America/Los_Angeles’s spring-forward week at 07:00 UTC, not 08:00', async () => {
      const { analytics } = context.ports;
      const zoned = { timeZone: 'America/Los_Angeles', by: 'origin', measure: 'prompt_tokens' } as const;
      const week = await analytics.rankings({ ...zoned, period: 'week', date: '2026-03-08' });
      expect([week.current.start, week.current.end, week.total, week.previousTotal]).toEqual([
        '2026-03-02T00:00:00-08:00',
        '2026-03-09T00:00:00-07:00',
        110,
        1,
      ]);
      expect(week.rows).toEqual([{ key: 'US', value: 110, share: 1, previousValue: 1, growth: 109 }]);
      const sunday = await analytics.rankings({ ...zoned, period: 'day', date: '2026-03-08' });
      expect([sunday.current.endMs - sunday.current.startMs, sunday.total, sunday.previousTotal]).toEqual([
        23 * 3_600_000,
        100,
        0,
      ]);
    });
  },
);

describeEachDriverWithRecords(
  'rankings of apps',
  () => {
    const app = (index: number, overrides: { appTitle?: string; appReferer?: string }) =>
      usageAt(`2026-07-0${1 + (index % 4)}T10:00:00Z`, 'openai/gpt-5', { prompt: 1_000, completion: 0 }, overrides);
    return [
      app(0, { appTitle: 'Cline' }),
      app(1, { appTitle: 'Cline', appReferer: 'https://cline.bot' }),
      app(2, { appTitle: 'Cline' }),
      app(3, { appReferer: 'https://www.agent.example/run/7' }),
      app(4, { appReferer: 'https://agent.example' }),
      app(5, { appTitle: 'Tiny' }),
      app(6, {}),
      app(7, {}),
    ];
  },
  (context) => {
    it('folds apps under the privacy threshold, and unattributed traffic, into others', async () => {
      const rank = (minAppRequests: number | undefined) =>
        context.ports.analytics.rankings(rankingsOf({ by: 'app', measure: 'total_tokens', minAppRequests }));
      const public2 = await rank(2);
      expect(public2.rows).toEqual([
        { key: 'Cline', value: 3_000, share: 0.375, previousValue: 0, growth: null },
        { key: 'agent.example', value: 2_000, share: 0.25, previousValue: 0, growth: null },
      ]);
      expect(public2.others).toEqual({ value: 3_000, share: 0.375, previousValue: 0, growth: null, keyCount: 2 });
      expect((await rank(undefined)).rows.map((row) => row.key)).toEqual(['Cline', 'agent.example', 'Tiny']);
      expect((await rank(undefined)).others).toMatchObject({ value: 2_000, keyCount: 1 });
      expect((await rank(4)).rows).toEqual([]);
      expect((await rank(4)).others).toEqual({ value: 8_000, share: 1, previousValue: 0, growth: null, keyCount: 4 });
    });
  },
);

describeEachDriverWithRecords(
  'rankings of apps under the privacy threshold in the previous period',
  () => {
    const at = (iso: string, tokens: number, appTitle: string) =>
      usageAt(iso, 'openai/gpt-5', { prompt: tokens, completion: 0 }, { appTitle });
    return [
      // Current week (2026-06-29 .. 07-05): both apps at the threshold of 2.
      at('2026-06-30T10:00:00Z', 1_000, 'Cline'),
      at('2026-07-01T10:00:00Z', 1_000, 'Cline'),
      at('2026-06-30T11:00:00Z', 100, 'Big'),
      at('2026-07-01T11:00:00Z', 100, 'Big'),
      // Previous week: Cline under the threshold, Big at it.
      at('2026-06-24T10:00:00Z', 500, 'Cline'),
      at('2026-06-23T11:00:00Z', 300, 'Big'),
      at('2026-06-24T11:00:00Z', 300, 'Big'),
    ];
  },
  (context) => {
    const rank = (date: string, minAppRequests: number) =>
      context.ports.analytics.rankings({ period: 'week', date, by: 'app', measure: 'total_tokens', minAppRequests });

    it("does not show a named app's previous value when it was under the threshold then", async () => {
      // The previous week's own ranking hides Cline's 500 tokens in others…
      const previousWeek = await rank('2026-06-24', 2);
      expect(previousWeek.rows.map((row) => [row.key, row.value])).toEqual([['Big', 600]]);
      expect(previousWeek.others).toMatchObject({ value: 500, keyCount: 1 });
      // …and so does this week's: Cline is named, its previous value stays in others.
      const thisWeek = await rank('2026-07-01', 2);
      expect(thisWeek.rows).toEqual([
        { key: 'Cline', value: 2_000, share: 0.9091, previousValue: 0, growth: null },
        { key: 'Big', value: 200, share: 0.0909, previousValue: 600, growth: -0.6667 },
      ]);
      expect(thisWeek.others).toEqual({ value: 0, share: 0, previousValue: 500, growth: -1, keyCount: 0 });
      expect([thisWeek.total, thisWeek.previousTotal]).toEqual([2_200, 1_100]);
    });

    it('shows every previous value without a threshold', async () => {
      const thisWeek = await rank('2026-07-01', 0);
      expect(thisWeek.rows.map((row) => [row.key, row.previousValue, row.growth])).toEqual([
        ['Cline', 500, 3],
        ['Big', 600, -0.6667],
      ]);
      expect(thisWeek.others).toEqual({ value: 0, share: 0, previousValue: 0, growth: null, keyCount: 0 });
    });
  },
);

describeEachDriverWithRecords(
  'rankings of apps past the bound on app names per org and day',
  () => {
    const at = (iso: string, tokens: number, appTitle: string, orgId = 'org-a') =>
      usageAt(iso, 'openai/gpt-5', { prompt: tokens, completion: 0 }, { appTitle, orgId });
    return [
      // One org names analyticsLimits.appNamesPerOrgDayMax apps on 2026-07-01…
      ...Array.from({ length: analyticsLimits.appNamesPerOrgDayMax }, (_, index) =>
        at('2026-07-01T10:00:00Z', 1, `app-${String(index).padStart(4, '0')}`),
      ),
      // …so a further name counts as unattributed that day, while a name it has is still named,
      at('2026-07-01T11:00:00Z', 1_000_000, 'Overflow'),
      at('2026-07-01T12:00:00Z', 500_000, 'app-0000'),
      // another org has a budget of its own, and so has the next day.
      at('2026-07-01T12:00:00Z', 300_000, 'Elsewhere', 'org-b'),
      at('2026-07-02T10:00:00Z', 2_000, 'Overflow'),
    ];
  },
  (context) => {
    it('counts the usage of a name past the bound as unattributed, in others', async () => {
      const result = await context.ports.analytics.rankings({
        period: 'week',
        date: '2026-07-01',
        by: 'app',
        measure: 'total_tokens',
        limit: 3,
      });
      expect(result.rows.map((row) => [row.key, row.value])).toEqual([
        ['app-0000', 500_001],
        ['Elsewhere', 300_000],
        ['Overflow', 2_000],
      ]);
      // 999 one-token apps, and Overflow's first day as unattributed usage.
      expect(result.others).toMatchObject({ value: 1_000_999, keyCount: 1_000 });
      expect(result.total).toBe(1_803_000);
    });
  },
);
