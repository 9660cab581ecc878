import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { GenerationRecord, GenerationStore } from '../ports.js';
import type { AsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { toAsyncAnalyticsStore } from '../postgres/async-analytics-store.js';
import { createPostgresAnalyticsStore } from '../postgres/postgres-analytics-store.js';
import { createPostgresGenerationStore } from '../postgres/postgres-generation-store.js';
import { openSqliteStorage } from '../sqlite/open-sqlite-storage.js';
import type { DriverContext } from './driver-test-support.js';
import { describeEachDriver } from './driver-test-support.js';

/** What the analytics conformance cases use: the write path that feeds the rollups, and the queries over them. */
export interface AnalyticsPorts {
  readonly generations: AsyncPort<GenerationStore>;
  readonly analytics: AsyncAnalyticsStore;
}

/**
 * Declares `cases` once per driver over a fresh store holding `createRecords()` (written as one batch through the
 * generation store, as the pipeline writes them), so each dataset is alone in its store.
 */
export function describeEachDriverWithRecords(
  title: string,
  createRecords: () => readonly GenerationRecord[],
  cases: (context: DriverContext<AnalyticsPorts>) => void,
): void {
  describeEachDriver<AnalyticsPorts>(
    title,
    {
      sqlite: async () => {
        const storage = openSqliteStorage({ path: ':memory:' });
        const ports = {
          generations: toAsyncPort(storage.generations),
          analytics: toAsyncAnalyticsStore(storage.analytics),
        };
        await ports.generations.insertGenerations(createRecords());
        return { ports, close: () => storage.close() };
      },
      postgres: async (pool) => {
        const ports = {
          generations: createPostgresGenerationStore(pool),
          analytics: createPostgresAnalyticsStore(pool),
        };
        await ports.generations.insertGenerations(createRecords());
        return ports;
      },
    },
    cases,
  );
}
