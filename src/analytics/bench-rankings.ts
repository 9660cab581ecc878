/**
 * Volume check for PRODUCT.md §8 ("rankings query for a week over a year of rollups: p95 ≤ 50 ms"): writes a
 * year of quarter-hour rollups at a realistic density (60 models from 15 authors, 40 apps with 1–3 keys each,
 * 5 providers; ~40 rows per quarter-hour, ~1.4 M rows) into a temporary SQLite file, then times week rankings
 * (every dimension and measure, several zones, with and without an org filter), a 12-week time series and a
 * month of one org's Activity by day, then the CPU applyToRollups costs per record. Not a test: it asserts
 * nothing and prints the timings. With `keysPerApp`, each row's key is drawn among that many per app, as when every
 * user or agent of an app has its own key: the per-key rollups then grow with the keys, the barometer's do not.
 *
 *   npm run build && node dist/analytics/bench-rankings.js [rowsPerBucket] [keysPerApp]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { GenerationRecord } from '../storage/index.js';
import { migrateSqlite, openSqliteDatabase } from '../storage/index.js';
import { analyticsLimits } from './analytics-limits.js';
import type { RankingDimension, UsageMeasure } from './analytics-types.js';
import { rankingDimensions, usageMeasures } from './analytics-types.js';
import { applyToRollups } from './sqlite/apply-to-rollups.js';
import { queryActivity } from './sqlite/query-activity.js';
import { queryRankings } from './sqlite/query-rankings.js';
import { queryTimeSeries } from './sqlite/query-time-series.js';

const dayMs = 86_400_000;
const yearStartMs = Date.UTC(2025, 6, 1);
const bucketsPerYear = (365 * dayMs) / analyticsLimits.rollupBucketMs;
const origins = ['US', 'CN', 'CN', 'US', 'FR'] as const;
const providers = ['direct', 'openrouter', 'together', 'siliconflow', 'local-vllm'] as const;

/** Deterministic PRNG (mulberry32), so every run writes the same data. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An index in [0, count) skewed towards 0, like market shares (a few models take most tokens). */
function pickSkewed(random: () => number, count: number): number {
  return Math.min(count - 1, Math.floor(count * random() ** 2.2));
}

interface Combination {
  readonly modelId: string;
  readonly author: string;
  readonly origin: string;
  readonly providerId: string;
  readonly app: string;
  readonly orgId: string;
  readonly keyId: string;
}

function createCombinations(random: () => number): Combination[][] {
  const models = Array.from({ length: 60 }, (_, index) => {
    const authorIndex = index % 15;
    return {
      modelId: `author-${authorIndex}/model-${index}`,
      author: `author-${authorIndex}`,
      origin: origins[authorIndex % 5] ?? 'US',
    };
  });
  const apps = Array.from({ length: 40 }, (_, index) => ({
    app: index === 39 ? '' : `app-${index}.example`,
    orgId: `org-${index % 25}`,
    keyIds: Array.from({ length: 1 + (index % 3) }, (_, keyIndex) => `key-${index}-${keyIndex}`),
  }));
  // Per app, the models it calls (agents stick to a few), each through one or two providers.
  return apps.map((app) =>
    Array.from({ length: 6 }, () => {
      const model = models[pickSkewed(random, models.length)] ?? models[0]!;
      return {
        ...model,
        providerId: providers[pickSkewed(random, providers.length)] ?? 'direct',
        app: app.app,
        orgId: app.orgId,
        keyId: app.keyIds[Math.floor(random() * app.keyIds.length)] ?? 'key',
      };
    }),
  );
}

function writeYear(database: Database, rowsPerBucket: number, keysPerApp: number | undefined): void {
  const random = createRandom(7);
  const combinationsByApp = createCombinations(random);
  const insert = database.prepare(
    `INSERT INTO usage_rollups_quarter_hour (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id,
       requests, requests_usage_estimated, requests_usage_unknown, tokens_prompt, tokens_completion,
       tokens_reasoning, tokens_cached, tokens_total, cost_nanos, upstream_cost_nanos)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  let rows = 0;
  const writeDay = database.transaction((firstBucket: number) => {
    for (let bucket = firstBucket; bucket < firstBucket + dayMs / analyticsLimits.rollupBucketMs; bucket += 1) {
      for (let index = 0; index < rowsPerBucket; index += 1) {
        const combinations = combinationsByApp[pickSkewed(random, combinationsByApp.length)] ?? [];
        const combination = combinations[Math.floor(random() * combinations.length)];
        if (combination === undefined) continue;
        // Many keys per app: each row's key drawn among keysPerApp (the per-key rows grow with them; the barometer's
        // do not).
        const keyId =
          keysPerApp === undefined ? combination.keyId : `${combination.keyId}-${Math.floor(random() * keysPerApp)}`;
        const requests = 1 + Math.floor(random() * 40);
        const prompt = requests * Math.floor(20_000 + random() * 150_000);
        const completion = requests * Math.floor(200 + random() * 3_000);
        rows += insert.run(
          yearStartMs + bucket * analyticsLimits.rollupBucketMs,
          combination.modelId,
          combination.author,
          combination.origin,
          combination.providerId,
          combination.app,
          combination.orgId,
          keyId,
          requests,
          prompt,
          completion,
          Math.floor(completion / 3),
          Math.floor(prompt * 0.7),
          prompt + completion,
          BigInt(prompt) * 300n,
          BigInt(prompt) * 250n,
        ).changes;
      }
    }
  });
  for (let day = 0; day < 365; day += 1) writeDay((day * dayMs) / analyticsLimits.rollupBucketMs);
  // A shortcut for loading only: the gateway adds to every grain and scope per record (applyToRollups).
  const dayRows = database
    .prepare(
      `INSERT INTO usage_rollups_day SELECT bucket_start_ms - bucket_start_ms % ${dayMs}, model_id, author, origin,
         provider_id, app, org_id, key_id, SUM(requests), SUM(requests_usage_estimated), SUM(requests_usage_unknown),
         SUM(tokens_prompt), SUM(tokens_completion), SUM(tokens_reasoning), SUM(tokens_cached), SUM(tokens_total),
         SUM(cost_nanos), SUM(upstream_cost_nanos)
       FROM usage_rollups_quarter_hour
       GROUP BY bucket_start_ms - bucket_start_ms % ${dayMs}, model_id, author, origin, provider_id, app, org_id, key_id`,
    )
    .run().changes;
  const barometerRows = [
    ['usage_barometer_quarter_hour', 'usage_rollups_quarter_hour'],
    ['usage_barometer_day', 'usage_rollups_day'],
  ].map(
    ([barometer, perKey]) =>
      database
        .prepare(
          `INSERT INTO ${barometer} SELECT bucket_start_ms, model_id, author, origin, provider_id, app, SUM(requests),
             SUM(requests_usage_estimated), SUM(requests_usage_unknown), SUM(tokens_prompt), SUM(tokens_completion),
             SUM(tokens_reasoning), SUM(tokens_cached), SUM(tokens_total), SUM(cost_nanos), SUM(upstream_cost_nanos)
           FROM ${perKey} GROUP BY bucket_start_ms, model_id, author, origin, provider_id, app`,
        )
        .run().changes,
  );
  console.log(
    `rollup rows: per key ${rows} quarter-hour, ${dayRows} day; barometer ${barometerRows.join(' quarter-hour, ')} day; ` +
      `over ${bucketsPerYear} quarter-hours`,
  );
}

/**
 * CPU per record of applyToRollups (no fsync: the generation writer commits batches, one fsync each): live
 * traffic finishing in time order, and late records spread over a past week (cold pages).
 */
function benchmarkWrites(database: Database): void {
  const random = createRandom(5);
  const combinations = createCombinations(random).flat();
  const createRecords = (firstMs: number, spreadMs: number, isInOrder: boolean) =>
    Array.from({ length: 20_000 }, (_, index) => {
      const combination = combinations[Math.floor(random() * combinations.length)] ?? combinations[0]!;
      const finishedAtMs = firstMs + Math.floor(isInOrder ? (index / 20_000) * spreadMs : random() * spreadMs);
      return {
        ...benchRecordDefaults,
        ...combination,
        id: `bench-${firstMs}-${index}`,
        appTitle: combination.app === '' ? null : combination.app,
        startedAtMs: finishedAtMs - 5_000,
        finishedAtMs,
      };
    });
  const apply = database.transaction((batch: readonly GenerationRecord[]) => applyToRollups(database, batch));
  for (const [label, records] of [
    ['live, in time order', createRecords(yearStartMs + 365 * dayMs, dayMs, true)],
    ['late, spread over a past week', createRecords(yearStartMs + 200 * dayMs, 7 * dayMs, false)],
  ] as const) {
    const timing = time(() => {
      for (let start = 0; start < records.length; start += 100) apply(records.slice(start, start + 100));
    });
    const perRecord = (ms: number): string => ((ms * 1000) / records.length).toFixed(1);
    console.log(
      `applyToRollups, ${label}: wall ${perRecord(timing.wallMs)} µs, CPU ${perRecord(timing.cpuMs)} µs per record`,
    );
  }
}

const benchRecordDefaults = {
  requestId: 'req',
  appReferer: null,
  upstreamModel: 'model',
  upstreamId: null,
  isStreaming: true,
  tokensInputTotal: 120_000,
  tokensInputCacheRead: 100_000,
  tokensInputCacheWrite: 0,
  tokensOutputTotal: 800,
  tokensOutputReasoning: 200,
  isUsageEstimated: false,
  costNanos: 12_345_678n,
  upstreamCostNanos: 10_000_000n,
  finishReason: 'stop',
  finishReasonRaw: 'stop',
  ending: 'success',
  errorCode: null,
  latencyMs: 5_000,
  ttftMs: 300,
  throughputTokensPerSecond: 80,
  usageRaw: null,
} as const;

interface Timing {
  readonly wallMs: number;
  /** This process's user + system CPU: what the query costs, without waiting for a busy machine's cores. */
  readonly cpuMs: number;
}

function time(run: () => unknown): Timing {
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  run();
  const cpu = process.cpuUsage(cpuAtStart);
  return { wallMs: performance.now() - startedAt, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function summarize(label: string, timings: readonly Timing[]): void {
  const quantiles = (values: number[]): string => {
    const sorted = values.sort((left, right) => left - right);
    const at = (quantile: number): string => (sorted[Math.ceil(quantile * sorted.length) - 1] ?? 0).toFixed(1);
    return `p50 ${at(0.5)}  p95 ${at(0.95)}  max ${at(1)}`;
  };
  const wall = quantiles(timings.map((timing) => timing.wallMs));
  const cpu = quantiles(timings.map((timing) => timing.cpuMs));
  console.log(`${label.padEnd(42)} n=${String(timings.length).padEnd(4)} wall ms: ${wall} | CPU ms: ${cpu}`);
}

function benchmark(database: Database): void {
  const random = createRandom(11);
  const dates = Array.from({ length: 12 }, (_, index) =>
    new Date(yearStartMs + (14 + index * 29) * dayMs).toISOString().slice(0, 10),
  );
  const zones = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kathmandu'];
  const rank = (period: 'week' | 'month', orgId: string | undefined): Timing[] =>
    dates.flatMap((date) =>
      rankingDimensions.flatMap((by: RankingDimension) =>
        usageMeasures.map((measure: UsageMeasure) =>
          time(() =>
            queryRankings(database, {
              period,
              date,
              by,
              measure,
              timeZone: zones[Math.floor(random() * zones.length)],
              minAppRequests: by === 'app' ? 50 : undefined,
              orgId,
            }),
          ),
        ),
      ),
    );
  rank('week', undefined); // warm the page cache and the statement cache
  summarize('week ranking, all orgs (public barometer)', rank('week', undefined));
  summarize('week ranking, one org', rank('week', 'org-3'));
  summarize('month ranking, all orgs', rank('month', undefined));
  summarize(
    '12-week series stacked by origin',
    dates.flatMap((date) =>
      zones.map((timeZone) =>
        time(() =>
          queryTimeSeries(database, {
            interval: 'week',
            count: 12,
            date,
            timeZone,
            stackBy: 'origin',
            measure: 'total_tokens',
          }),
        ),
      ),
    ),
  );
  summarize(
    'Activity: one org, 30 days by day',
    dates.flatMap((date) =>
      zones.map((timeZone) =>
        time(() =>
          queryActivity(database, {
            orgId: 'org-3',
            fromMs: Date.parse(date),
            toMs: Date.parse(date) + 30 * dayMs,
            groupBy: 'day',
            timeZone,
          }),
        ),
      ),
    ),
  );
}

function main(): void {
  const rowsPerBucket = Number(process.argv[2] ?? 40);
  const keysPerApp = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const directory = mkdtempSync(join(tmpdir(), 'meridian-bench-rankings-'));
  const path = join(directory, 'rollups.db');
  try {
    const database = openSqliteDatabase({ path });
    migrateSqlite(database);
    database.pragma('synchronous = OFF'); // loading and timing CPU only; production commits with FULL
    const timing = time(() => writeYear(database, rowsPerBucket, keysPerApp));
    database.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const sizeMiB = (statSync(path).size / 1_048_576).toFixed(0);
    console.log(`written in ${(timing.wallMs / 1000).toFixed(1)} s; file ${sizeMiB} MiB`);
    benchmark(database);
    benchmarkWrites(database);
    database.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main();
