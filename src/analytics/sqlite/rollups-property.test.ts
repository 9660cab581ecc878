import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../storage/index.js';
import { rankingDimensions, rankingPeriods, usageMeasures } from '../analytics-types.js';
import type { ActivityGrouping, UsageMeasure } from '../analytics-types.js';
import {
  addDays,
  computeActivity,
  computeRankings,
  computeTimeSeries,
  dedupeById,
  readLocalDate,
} from './brute-force-test-support.js';
import { queryActivity } from './query-activity.js';
import { queryRankings } from './query-rankings.js';
import { queryTimeSeries } from './query-time-series.js';
import { createRecord, openTestDatabase, writeGenerations } from './test-support.js';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** Ten weeks from Monday 2026-02-16 (UTC): the US (03-08) and EU (03-29) spring-forward changes are inside. */
const rangeStartMs = Date.UTC(2026, 1, 16);
const rangeDays = 70;
const firstDate = '2026-02-16';
const timeZones = ['UTC', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Kathmandu'] as const;
/** Local midnights of those zones, as offsets from UTC midnight, to put records right at period boundaries. */
const midnightShiftsMs = [0, -hourMs, -2 * hourMs, 4 * hourMs, 5 * hourMs, 7 * hourMs, 8 * hourMs, -5.75 * hourMs];
const models = [
  { modelId: 'openai/gpt-5', author: 'openai', origin: 'US' },
  { modelId: 'deepseek/deepseek-v3.2', author: 'deepseek', origin: 'CN' },
  { modelId: 'moonshot/kimi-k2', author: 'moonshot', origin: 'CN' },
  { modelId: 'mistral/mistral-large', author: 'mistral', origin: 'FR' },
] as const;
const orgIds = ['org-a', 'org-b', 'org-c'] as const;

const anyTimeMs = fc.integer({ min: rangeStartMs, max: rangeStartMs + rangeDays * dayMs - 1 });
const boundaryTimeMs = fc
  .record({
    day: fc.integer({ min: 0, max: rangeDays }),
    shiftMs: fc.constantFrom(...midnightShiftsMs),
    deltaMs: fc.constantFrom(-1, 0, 1, 899_999, 900_000, -900_001),
  })
  .map(({ day, shiftMs, deltaMs }) => rangeStartMs + day * dayMs + shiftMs + deltaMs);
const tokenCount = fc.option(fc.integer({ min: 0, max: 250_000 }), { freq: 5 });

const recordFields = fc.record({
  finishedAtMs: fc.oneof(anyTimeMs, boundaryTimeMs),
  model: fc.constantFrom(...models),
  providerId: fc.constantFrom('direct', 'together', 'siliconflow'),
  orgId: fc.constantFrom(...orgIds),
  keyNumber: fc.integer({ min: 1, max: 2 }),
  appTitle: fc.constantFrom(null, 'Cline', ' Roo  Code ', 'Tiny'),
  appReferer: fc.constantFrom(null, 'https://www.agent.example/run?id=1', 'agent.example', 'https://other.example'),
  tokensInputTotal: tokenCount,
  tokensInputCacheRead: tokenCount,
  tokensOutputTotal: tokenCount,
  tokensOutputReasoning: tokenCount,
  isUsageEstimated: fc.boolean(),
  costNanos: fc.oneof(fc.bigInt({ min: 0n, max: 5_000_000n }), fc.bigInt({ min: 0n, max: 10n ** 15n })),
  upstreamCostNanos: fc.bigInt({ min: 0n, max: 5_000_000n }),
});

function toRecord(index: number, fields: typeof recordFields extends fc.Arbitrary<infer F> ? F : never) {
  return createRecord(`gen-${index}`, {
    ...fields.model,
    providerId: fields.providerId,
    orgId: fields.orgId,
    keyId: `${fields.orgId}-key-${fields.keyNumber}`,
    appTitle: fields.appTitle,
    appReferer: fields.appReferer,
    tokensInputTotal: fields.tokensInputTotal,
    tokensInputCacheRead: fields.tokensInputCacheRead,
    tokensOutputTotal: fields.tokensOutputTotal,
    tokensOutputReasoning: fields.tokensOutputReasoning,
    isUsageEstimated: fields.isUsageEstimated,
    costNanos: fields.costNanos,
    upstreamCostNanos: fields.upstreamCostNanos,
    startedAtMs: fields.finishedAtMs - 2_000,
    finishedAtMs: fields.finishedAtMs,
  });
}

/**
 * Records written in shuffled order (late records arrive after newer ones), with replays of some of them
 * (same id, which the generation insert skips), cut into batches of random sizes.
 */
const writes = fc
  .array(recordFields, { minLength: 1, maxLength: 120 })
  .map((fieldsList) => fieldsList.map((fields, index) => toRecord(index, fields)))
  .chain((records) =>
    fc.record({
      records: fc.constant(records),
      replays: fc.array(fc.nat({ max: records.length - 1 }), { maxLength: 40 }),
      order: fc.array(fc.nat(), { minLength: records.length + 40, maxLength: records.length + 40 }),
      batchSizes: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 10 }),
    }),
  )
  .map(({ records, replays, order, batchSizes }) => {
    const sequence = [...records, ...replays.map((index) => records[index] as GenerationRecord)]
      .map((record, index) => ({ record, sortKey: order[index] ?? 0 }))
      .sort((left, right) => left.sortKey - right.sortKey)
      .map(({ record }) => record);
    const batches: GenerationRecord[][] = [];
    for (let start = 0, index = 0; start < sequence.length; index += 1) {
      const size = batchSizes[index % batchSizes.length] ?? 1;
      batches.push(sequence.slice(start, start + size));
      start += size;
    }
    return { sequence, batches };
  });

const date = fc.integer({ min: -7, max: rangeDays + 7 }).map((day) => addDays(firstDate, day));
const rankingsQuery = fc.record({
  period: fc.constantFrom(...rankingPeriods),
  date,
  timeZone: fc.constantFrom(...timeZones),
  by: fc.constantFrom(...rankingDimensions),
  measure: fc.constantFrom(...usageMeasures),
  limit: fc.integer({ min: 1, max: 6 }),
  orgId: fc.option(fc.constantFrom(...orgIds), { nil: undefined }),
  minAppRequests: fc.integer({ min: 0, max: 4 }),
});
const timeSeriesQuery = fc.record({
  interval: fc.constantFrom('day' as const, 'week' as const),
  count: fc.integer({ min: 1, max: 12 }),
  date,
  timeZone: fc.constantFrom(...timeZones),
  stackBy: fc.constantFrom('model' as const, 'author' as const, 'origin' as const, 'provider' as const),
  measure: fc.constantFrom(...usageMeasures),
  orgId: fc.option(fc.constantFrom(...orgIds), { nil: undefined }),
});
const activityQuery = fc
  .record({
    orgId: fc.constantFrom(...orgIds),
    fromMs: anyTimeMs,
    lengthMs: fc.integer({ min: 1, max: 40 * dayMs }),
    groupBy: fc.constantFrom<ActivityGrouping>('model', 'key', 'day', 'provider'),
    timeZone: fc.constantFrom(...timeZones),
  })
  .map(({ lengthMs, ...query }) => ({ ...query, toMs: query.fromMs + lengthMs }));

const toApiValue = (measure: UsageMeasure, value: bigint): number | bigint =>
  measure === 'spend' ? value : Number(value);

/** The bounds of a period are the first instants of its first day and of the day after its last. */
function expectBoundsAt(startMs: number, endMs: number, firstDay: string, dayAfterLast: string, timeZone: string) {
  expect(readLocalDate(startMs, timeZone)).toBe(firstDay);
  expect(readLocalDate(startMs - 1, timeZone)).toBe(addDays(firstDay, -1));
  expect(readLocalDate(endMs, timeZone)).toBe(dayAfterLast);
  expect(readLocalDate(endMs - 1, timeZone)).toBe(addDays(dayAfterLast, -1));
}

/** 120 runs take about 4 s on an idle 2-CPU machine, past vitest's 5 s default when other suites share it. */
const propertyTimeoutMs = 60_000;

describe('usage rollups against a brute-force recomputation from raw generations', () => {
  it(
    'answer every ranking exactly, under replays, late records, random batches and time zones',
    () => {
      fc.assert(
        fc.property(
          writes,
          fc.array(rankingsQuery, { minLength: 1, maxLength: 12 }),
          ({ sequence, batches }, queries) => {
            const database = openTestDatabase();
            for (const batch of batches) writeGenerations(database, batch);
            const records = dedupeById(sequence);
            for (const query of queries) {
              const result = queryRankings(database, query);
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
              expect(result.rows.length).toBeLessThanOrEqual(query.limit);
              expect(result.current.startMs).toBe(result.previous.endMs);
            }
            database.close();
          },
        ),
        { numRuns: 120 },
      );
    },
    propertyTimeoutMs,
  );

  it('place period bounds on the first instant of the zone’s calendar days', () => {
    const database = openTestDatabase();
    fc.assert(
      fc.property(rankingsQuery, (query) => {
        const result = queryRankings(database, query);
        const days = (offset: number) => computePeriodFirstAndNext(query.period, query.date, offset);
        expectBoundsAt(result.current.startMs, result.current.endMs, ...days(0), query.timeZone);
        expectBoundsAt(result.previous.startMs, result.previous.endMs, ...days(-1), query.timeZone);
      }),
      { numRuns: 300 },
    );
    database.close();
  });

  it(
    'answer time series and Activity exactly',
    () => {
      fc.assert(
        fc.property(
          writes,
          fc.array(timeSeriesQuery, { minLength: 1, maxLength: 5 }),
          fc.array(activityQuery, { minLength: 1, maxLength: 5 }),
          ({ sequence, batches }, seriesQueries, activityQueries) => {
            const database = openTestDatabase();
            for (const batch of batches) writeGenerations(database, batch);
            const records = dedupeById(sequence);
            for (const query of seriesQueries) {
              const result = queryTimeSeries(database, query);
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
            for (const query of activityQueries) {
              const result = queryActivity(database, query);
              const expected = computeActivity(records, query);
              expect([result.fromMs, result.toMs]).toEqual([expected.fromMs, expected.toMs]);
              expect(result.rows).toEqual(expected.rows);
            }
            database.close();
          },
        ),
        { numRuns: 60 },
      );
    },
    propertyTimeoutMs,
  );
});

function computePeriodFirstAndNext(period: 'day' | 'week' | 'month', date: string, offset: number): [string, string] {
  if (period === 'day') return [addDays(date, offset), addDays(date, offset + 1)];
  if (period === 'week') {
    const monday = addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 7 * offset);
    return [monday, addDays(monday, 7)];
  }
  const [year, month] = date.split('-').map(Number) as [number, number];
  const first = (monthOffset: number) =>
    new Date(Date.UTC(year, month - 1 + monthOffset, 1)).toISOString().slice(0, 10);
  return [first(offset), first(offset + 1)];
}
