/**
 * Volume check for PRODUCT.md §8 ("rankings query for a week over a year of rollups: p95 ≤ 50 ms"): writes a
 * year of quarter-hour rollups at a realistic density (60 models from 15 authors, 40 apps with 1–3 keys each,
 * 5 providers; ~40 rows per quarter-hour, ~1.4 M rows) into a temporary SQLite file, then times week rankings
 * (every dimension and measure, several zones, with and without an org filter), a 12-week time series and a
 * month of one org's Activity by day. Not a test: it asserts nothing and prints the timings.
 *
 *   npm run build && node dist/analytics/bench-rankings.js [rowsPerBucket]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { migrateSqlite, openSqliteDatabase } from '../storage/index.js';
import { analyticsLimits } from './analytics-limits.js';
import type { RankingDimension, UsageMeasure } from './analytics-types.js';
import { rankingDimensions, usageMeasures } from './analytics-types.js';
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

function writeYear(database: Database, rowsPerBucket: number): number {
  const random = createRandom(7);
  const combinationsByApp = createCombinations(random);
  const insert = database.prepare(
    `INSERT INTO usage_rollups (bucket_start_ms, model_id, author, origin, provider_id, app, org_id, key_id,
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
          combination.keyId,
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
  return rows;
}

function summarize(label: string, timingsMs: number[]): void {
  const sorted = [...timingsMs].sort((left, right) => left - right);
  const at = (quantile: number): string => (sorted[Math.ceil(quantile * sorted.length) - 1] ?? 0).toFixed(2);
  console.log(`${label.padEnd(44)} n=${sorted.length}  p50=${at(0.5)} ms  p95=${at(0.95)} ms  max=${at(1)} ms`);
}

function time(run: () => unknown): number {
  const startedAt = performance.now();
  run();
  return performance.now() - startedAt;
}

function benchmark(database: Database): void {
  const random = createRandom(11);
  const weekDates = Array.from({ length: 12 }, (_, index) =>
    new Date(yearStartMs + (14 + index * 29) * dayMs).toISOString().slice(0, 10),
  );
  const zones = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kathmandu'];
  const run = (orgId: string | undefined): number[] =>
    weekDates.flatMap((date) =>
      rankingDimensions.flatMap((by: RankingDimension) =>
        usageMeasures.map((measure: UsageMeasure) =>
          time(() =>
            queryRankings(database, {
              period: 'week',
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
  run(undefined); // warm the page cache and the statement cache
  summarize('week ranking, all orgs (public barometer)', run(undefined));
  summarize('week ranking, one org', run('org-3'));
  summarize(
    'month ranking by model, all orgs',
    weekDates.map((date) =>
      time(() => queryRankings(database, { period: 'month', date, by: 'model', measure: 'total_tokens' })),
    ),
  );
  summarize(
    '12-week series stacked by origin',
    weekDates.map((date) =>
      time(() =>
        queryTimeSeries(database, { interval: 'week', count: 12, date, stackBy: 'origin', measure: 'total_tokens' }),
      ),
    ),
  );
  summarize(
    'Activity: one org, 30 days by day',
    weekDates.map((date) =>
      time(() =>
        queryActivity(database, {
          orgId: 'org-3',
          fromMs: Date.parse(date),
          toMs: Date.parse(date) + 30 * dayMs,
          groupBy: 'day',
          timeZone: 'Europe/Berlin',
        }),
      ),
    ),
  );
}

function main(): void {
  const rowsPerBucket = Number(process.argv[2] ?? 40);
  const directory = mkdtempSync(join(tmpdir(), 'meridian-bench-rankings-'));
  const path = join(directory, 'rollups.db');
  try {
    const database = openSqliteDatabase({ path });
    migrateSqlite(database);
    database.pragma('synchronous = OFF'); // loading only; the queries do not write
    const writeMs = time(() =>
      console.log(`rollup rows: ${writeYear(database, rowsPerBucket)} over ${bucketsPerYear} quarter-hours`),
    );
    database.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    console.log(
      `written in ${(writeMs / 1000).toFixed(1)} s; file ${(statSync(path).size / 1_048_576).toFixed(0)} MiB`,
    );
    benchmark(database);
    database.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main();
