import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { RankingsParams, TimeSeriesParams } from '../../analytics/index.js';
import { createRecord } from '../../analytics/sqlite/test-support.js';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { GenerationStore } from '../ports.js';
import type { AsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { toAsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { createPostgresAnalyticsStore } from '../postgres/postgres-analytics-store.js';
import { createPostgresGenerationStore } from '../postgres/postgres-generation-store.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';
import { openSqliteStorage } from '../sqlite/open-sqlite-storage.js';
import { describeEachDriver } from './driver-test-support.js';

/**
 * Which rollups a query reads (migration 0013): every org's rankings and series come from the barometer's tables,
 * one org's from the per-key tables. Shown by emptying one scope's tables and asking again: the queries of the
 * other scope answer exactly as before, those of the emptied one find nothing.
 */

interface ScopePorts {
  readonly generations: AsyncPort<GenerationStore>;
  readonly analytics: AsyncAnalyticsStore;
  /** Runs a statement on the store's database, beside the ports. */
  readonly execute: (sql: string) => Promise<void>;
}

const perKeyTables = ['usage_rollups_quarter_hour', 'usage_rollups_day'];
const barometerTables = ['usage_barometer_quarter_hour', 'usage_barometer_day'];
/** Monday 2026-06-29, noon UTC. */
const mondayNoonMs = Date.UTC(2026, 5, 29, 12);
const dayMs = 86_400_000;

const records = [
  createRecord('g1', { finishedAtMs: mondayNoonMs }),
  createRecord('g2', { finishedAtMs: mondayNoonMs + dayMs, keyId: 'key-b', costNanos: 3_000n }),
  createRecord('g3', { finishedAtMs: mondayNoonMs + 2 * dayMs, orgId: 'org-b', keyId: 'key-c', costNanos: 7_000n }),
  createRecord('g4', {
    finishedAtMs: mondayNoonMs + 3 * dayMs,
    orgId: 'org-b',
    keyId: 'key-c',
    modelId: 'moonshot/kimi-k2',
    author: 'moonshot',
    costNanos: 12_000n,
  }),
];

// A Berlin week: its ends are read from quarter-hours, its middle from UTC days.
const ranking = (orgId?: string): RankingsParams<'spend'> => ({
  period: 'week',
  date: '2026-07-01',
  timeZone: 'Europe/Berlin',
  by: 'model',
  measure: 'spend',
  ...(orgId === undefined ? {} : { orgId }),
});
const series = (orgId?: string): TimeSeriesParams<'requests'> => ({
  interval: 'day',
  count: 7,
  date: '2026-07-05',
  timeZone: 'Europe/Berlin',
  stackBy: 'author',
  measure: 'requests',
  ...(orgId === undefined ? {} : { orgId }),
});

describeEachDriver<ScopePorts>(
  'rollup scopes',
  {
    sqlite: () => {
      const directory = mkdtempSync(join(tmpdir(), 'meridian-scopes-'));
      const path = join(directory, 'meridian.db');
      const storage = openSqliteStorage({ path });
      const side = openSqliteDatabase({ path });
      return {
        ports: {
          generations: toAsyncPort(storage.generations),
          analytics: toAsyncAnalyticsStore(storage.analytics),
          execute: (sql) => Promise.resolve(void side.exec(sql)),
        },
        close: () => {
          side.close();
          storage.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
    postgres: (pool) => ({
      generations: createPostgresGenerationStore(pool),
      analytics: createPostgresAnalyticsStore(pool),
      execute: async (sql) => void (await pool.query(sql)),
    }),
  },
  (context) => {
    it("reads every org's usage from the barometer's rollups and one org's from the per-key rollups", async () => {
      const { generations, analytics, execute } = context.ports;
      await generations.insertGenerations(records);
      const everyOrg = await analytics.rankings(ranking());
      const orgB = await analytics.rankings(ranking('org-b'));
      const everyOrgSeries = await analytics.timeSeries(series());
      expect(everyOrg.total).toBe(23_000n);
      expect(everyOrg.rows.map((row) => [row.key, row.value])).toEqual([
        ['moonshot/kimi-k2', 12_000n],
        ['deepseek/deepseek-v3.2', 11_000n],
      ]);
      expect(orgB.total).toBe(19_000n);
      expect(everyOrgSeries.keys).toEqual(['deepseek', 'moonshot']);
      expect(everyOrgSeries.points.reduce((sum, point) => sum + point.value, 0)).toBe(4);

      for (const table of perKeyTables) await execute(`DELETE FROM ${table}`);
      expect(await analytics.rankings(ranking())).toEqual(everyOrg);
      expect(await analytics.timeSeries(series())).toEqual(everyOrgSeries);
      expect((await analytics.rankings(ranking('org-b'))).total).toBe(0n);

      await generations.insertGenerations([createRecord('g5', { finishedAtMs: mondayNoonMs, orgId: 'org-b' })]);
      for (const table of barometerTables) await execute(`DELETE FROM ${table}`);
      expect((await analytics.rankings(ranking())).total).toBe(0n);
      expect((await analytics.timeSeries(series())).keys).toEqual([]);
      expect((await analytics.rankings(ranking('org-b'))).total).toBe(1_000n);
    });
  },
);
