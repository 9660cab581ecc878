import { afterAll, beforeAll, expect, it } from 'vitest';
import type {
  ActivityGrouping,
  ActivityParams,
  RankingDimension,
  RankingPeriod,
  TimeSeriesDimension,
  UsageMeasure,
} from '../../analytics/index.js';
import { rankingDimensions, usageMeasures } from '../../analytics/index.js';
import {
  addDays,
  computeActivity,
  computeRankings,
  computeTimeSeries,
  dedupeById,
} from '../../analytics/sqlite/brute-force-test-support.js';
import { createRecord } from '../../analytics/sqlite/test-support.js';
import { createSeededRandom } from '../../sandbox/seeded-random.js';
import type { GenerationRecord } from '../ports.js';
import { toAsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { openSqliteStorage } from '../sqlite/open-sqlite-storage.js';
import { describeEachDriverWithRecords } from './analytics-test-support.js';

/**
 * The same seeded records — ten weeks across the US (03-08) and EU (03-29) spring-forward changes and Lord Howe's
 * half-hour fall-back (04-05), many right at zoned midnights, written in shuffled batches with replays — go into
 * each driver; every ranking, series and Activity answer must equal (1) a brute-force recomputation from the raw
 * records and (2) the same query on a separate SQLite store given the same batches, to the last field.
 */

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** Monday 2026-02-16 (UTC), and ten weeks from it. */
const rangeStartMs = Date.UTC(2026, 1, 16);
const rangeDays = 70;
const firstDate = '2026-02-16';
const timeZones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe'] as const;
/** Local midnights of those zones as offsets from UTC midnight, summer and winter, to land records on boundaries. */
const midnightShiftsMs = [
  0,
  -hourMs,
  -2 * hourMs,
  4 * hourMs,
  5 * hourMs,
  -5.75 * hourMs,
  -10.5 * hourMs,
  -11 * hourMs,
];
const models = [
  { modelId: 'openai/gpt-5', author: 'openai', origin: 'US' },
  { modelId: 'deepseek/deepseek-v3.2', author: 'deepseek', origin: 'CN' },
  { modelId: 'moonshot/kimi-k2', author: 'moonshot', origin: 'CN' },
  { modelId: 'mistral/mistral-large', author: 'mistral', origin: 'FR' },
] as const;
const orgIds = ['org-a', 'org-b', 'org-c'] as const;
const seed = 20_261_130;

const random = createSeededRandom(seed);
const pickInteger = (minimum: number, maximum: number): number =>
  minimum + Math.floor(random() * (maximum - minimum + 1));
const pick = <T>(values: readonly T[]): T => values[pickInteger(0, values.length - 1)]!;
const tokenCount = (): number | null => (random() < 0.15 ? null : pickInteger(0, 250_000));

function createRandomRecord(index: number): GenerationRecord {
  const isAtBoundary = random() < 0.35;
  const finishedAtMs = isAtBoundary
    ? rangeStartMs +
      pickInteger(0, rangeDays) * dayMs +
      pick(midnightShiftsMs) +
      pick([-1, 0, 1, 899_999, 900_000, -900_001])
    : pickInteger(rangeStartMs, rangeStartMs + rangeDays * dayMs - 1);
  const orgId = pick(orgIds);
  return createRecord(`gen-${index}`, {
    ...pick(models),
    providerId: pick(['direct', 'together', 'siliconflow']),
    orgId,
    keyId: `${orgId}-key-${pickInteger(1, 2)}`,
    appTitle: pick([null, 'Cline', ' Roo  Code ', 'Tiny']),
    appReferer: pick([null, 'https://www.agent.example/run?id=1', 'agent.example', 'https://other.example']),
    tokensInputTotal: tokenCount(),
    tokensInputCacheRead: tokenCount(),
    tokensOutputTotal: tokenCount(),
    tokensOutputReasoning: tokenCount(),
    isUsageEstimated: random() < 0.2,
    // Mostly small, sometimes far above 2^53 in a period's sum.
    costNanos: random() < 0.9 ? BigInt(pickInteger(0, 5_000_000)) : BigInt(pickInteger(0, 1_000_000)) * 10n ** 9n,
    upstreamCostNanos: BigInt(pickInteger(0, 5_000_000)),
    startedAtMs: finishedAtMs - 2_000,
    finishedAtMs,
  });
}

/**
 * 600 records and 80 replays of some of them (same id, another cost: the first written must win), in a shuffled
 * order (late records arrive after newer ones), cut into batches of 1–40.
 */
function createWrites(): { readonly sequence: GenerationRecord[]; readonly batches: GenerationRecord[][] } {
  const records = Array.from({ length: 600 }, (_, index) => createRandomRecord(index));
  const replays = Array.from({ length: 80 }, () => {
    const replayed = pick(records);
    return { ...replayed, costNanos: replayed.costNanos + 1n };
  });
  const sequence = [...records, ...replays]
    .map((record) => ({ record, sortKey: random() }))
    .sort((left, right) => left.sortKey - right.sortKey)
    .map(({ record }) => record);
  const batches: GenerationRecord[][] = [];
  for (let start = 0; start < sequence.length;) {
    const size = pickInteger(1, 40);
    batches.push(sequence.slice(start, start + size));
    start += size;
  }
  return { sequence, batches };
}

const writes = createWrites();
const records = dedupeById(writes.sequence);
const date = (): string => addDays(firstDate, pickInteger(-7, rangeDays + 7));

interface RankingsQuery {
  readonly period: RankingPeriod;
  readonly date: string;
  readonly timeZone: string;
  readonly by: RankingDimension;
  readonly measure: UsageMeasure;
  readonly limit: number;
  readonly orgId: string | undefined;
  readonly minAppRequests: number;
}

/** Random rankings, plus the periods holding each DST change in the zones that change then. */
const rankingsQueries: RankingsQuery[] = [
  ...Array.from({ length: 150 }, () => ({
    period: pick(['day', 'week', 'month'] as const),
    date: date(),
    timeZone: pick(timeZones),
    by: pick(rankingDimensions),
    measure: pick(usageMeasures),
    limit: pickInteger(1, 6),
    orgId: pick([undefined, ...orgIds]),
    minAppRequests: pickInteger(0, 4),
  })),
  ...(
    [
      ['America/New_York', '2026-03-08'],
      ['Europe/Berlin', '2026-03-29'],
      ['Australia/Lord_Howe', '2026-04-05'],
    ] as const
  ).flatMap(([timeZone, changeDate]) =>
    (['day', 'week', 'month'] as const).map((period) => ({
      period,
      date: changeDate,
      timeZone,
      by: 'model' as const,
      measure: 'spend' as const,
      limit: 3,
      orgId: undefined,
      minAppRequests: 0,
    })),
  ),
];

interface TimeSeriesQuery {
  readonly interval: 'day' | 'week';
  readonly count: number;
  readonly date: string;
  readonly timeZone: string;
  readonly stackBy: TimeSeriesDimension;
  readonly measure: UsageMeasure;
  readonly orgId: string | undefined;
}

const timeSeriesQueries: TimeSeriesQuery[] = [
  ...Array.from({ length: 40 }, () => ({
    interval: pick(['day', 'week'] as const),
    count: pickInteger(1, 12),
    date: date(),
    timeZone: pick(timeZones),
    stackBy: pick(['model', 'author', 'origin', 'provider'] as const),
    measure: pick(usageMeasures),
    orgId: pick([undefined, ...orgIds]),
  })),
  // Ten weeks of Berlin days, across its spring-forward: one 23-hour day among them.
  {
    interval: 'day',
    count: 70,
    date: '2026-04-26',
    timeZone: 'Europe/Berlin',
    stackBy: 'origin',
    measure: 'total_tokens',
    orgId: undefined,
  },
];

const activityQueries: (ActivityParams & { readonly timeZone: string })[] = [
  ...Array.from({ length: 40 }, () => {
    const fromMs = pickInteger(rangeStartMs, rangeStartMs + rangeDays * dayMs - 1);
    return {
      orgId: pick(orgIds),
      fromMs,
      toMs: fromMs + pickInteger(1, 40 * dayMs),
      groupBy: pick<ActivityGrouping>(['model', 'key', 'day', 'provider']),
      timeZone: pick(timeZones),
    };
  }),
  {
    orgId: 'org-a',
    fromMs: Date.UTC(2026, 2, 1),
    toMs: Date.UTC(2026, 3, 10),
    groupBy: 'day',
    timeZone: 'America/New_York',
  },
];

const toApiValue = (measure: UsageMeasure, value: bigint): number | bigint =>
  measure === 'spend' ? value : Number(value);

/** The reference: a separate SQLite store given the same batches. */
const reference = openSqliteStorage({ path: ':memory:' });
const referenceAnalytics = toAsyncAnalyticsStore(reference.analytics);
beforeAll(() => {
  for (const batch of writes.batches) reference.generations.insertGenerations(batch);
});
afterAll(() => reference.close());

describeEachDriverWithRecords(
  'analytics over seeded records',
  () => [],
  (context) => {
    beforeAll(async () => {
      for (const batch of writes.batches) await context.ports.generations.insertGenerations(batch);
    });

    it('holds the records it was given, the first of each replayed id', async () => {
      expect(records).toHaveLength(600);
      const stored = await Promise.all(
        records.slice(0, 50).map((record) => context.ports.generations.findGeneration(record.id)),
      );
      expect(stored).toEqual(records.slice(0, 50));
    });

    it('answers every ranking exactly, and as the reference does', async () => {
      for (const query of rankingsQueries) {
        const result = await context.ports.analytics.rankings(query);
        expect(result).toEqual(await referenceAnalytics.rankings(query));
        const expected = computeRankings(records, query);
        const convert = (value: bigint) => toApiValue(query.measure, value);
        expect(result).toMatchObject({
          total: convert(expected.total),
          previousTotal: convert(expected.previousTotal),
          growth: expected.growth,
          rows: expected.rows.map((row) => ({
            ...row,
            value: convert(row.value),
            previousValue: convert(row.previousValue),
          })),
          others: {
            ...expected.others,
            value: convert(expected.others.value),
            previousValue: convert(expected.others.previousValue),
          },
          requests: expected.requests,
          requestsUsageEstimated: expected.requestsUsageEstimated,
          requestsUsageUnknown: expected.requestsUsageUnknown,
        });
      }
    });

    it('answers every time series exactly, and as the reference does', async () => {
      for (const query of timeSeriesQueries) {
        const result = await context.ports.analytics.timeSeries(query);
        expect(result).toEqual(await referenceAnalytics.timeSeries(query));
        const expected = computeTimeSeries(records, query);
        expect(result.keys).toEqual(expected.keys);
        expect(result.points).toEqual(
          expected.points.flatMap((points, index) =>
            points.map((point) => ({
              periodStartMs: result.periods[index]?.startMs,
              key: point.key,
              value: toApiValue(query.measure, point.value),
            })),
          ),
        );
      }
    });

    it('answers every Activity range exactly, and as the reference does', async () => {
      for (const query of activityQueries) {
        const result = await context.ports.analytics.activity(query);
        expect(result).toEqual(await referenceAnalytics.activity(query));
        const expected = computeActivity(records, query);
        expect([result.fromMs, result.toMs]).toEqual([expected.fromMs, expected.toMs]);
        expect(result.rows).toEqual(expected.rows);
      }
    });

    it('has data in the periods the DST cases read (the cases are not vacuous)', async () => {
      for (const query of rankingsQueries.slice(-9)) {
        const result = await context.ports.analytics.rankings(query);
        expect(result.requests).toBeGreaterThan(0);
      }
    });
  },
);
