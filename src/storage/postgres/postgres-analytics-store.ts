import type { Pool } from 'pg';
import type { AsyncAnalyticsStore } from './async-analytics-store.js';
import { queryPostgresActivity } from './query-postgres-activity.js';
import { queryPostgresRankings } from './query-postgres-rankings.js';
import { queryPostgresTimeSeries } from './query-postgres-time-series.js';

/**
 * The barometer's queries over the PostgreSQL usage rollups (migration 0003), bound to a pool. Read-only, each one
 * statement: nothing to coordinate between nodes.
 */
export function createPostgresAnalyticsStore(pool: Pool): AsyncAnalyticsStore {
  return {
    rankings: (params) => queryPostgresRankings(pool, params),
    timeSeries: (params) => queryPostgresTimeSeries(pool, params),
    activity: (params) => queryPostgresActivity(pool, params),
  };
}
