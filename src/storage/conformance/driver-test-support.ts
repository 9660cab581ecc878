import type { Pool } from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createTestDatabase, findPostgresSkipReason } from '../../../test/support/start-postgres.js';
import { migratePostgres } from '../postgres/migrate-postgres.js';
import { openPostgresPool } from '../postgres/open-postgres-pool.js';

/**
 * The storage conformance suite's harness (issue #6: "one conformance suite runs against both"). A suite is written
 * once against asynchronous ports (`AsyncPort<…>`, src/storage/async-port.ts) and runs twice: on SQLite (the
 * synchronous driver wrapped with `toAsyncPort`) and on PostgreSQL (a fresh database with every migration applied,
 * dropped afterwards). Without a reachable PostgreSQL the second run is skipped with a printed reason, or fails
 * under `MERIDIAN_REQUIRE_SERVICES=1` (CI).
 */

export type DriverName = 'sqlite' | 'postgres';

export interface OpenedPorts<T> {
  readonly ports: T;
  close(): Promise<void> | void;
}

export interface DriverOpeners<T> {
  /** Opens the SQLite side (e.g. an in-memory database, migrated) and returns the ports under test. */
  readonly sqlite: () => OpenedPorts<T> | Promise<OpenedPorts<T>>;
  /** Builds the ports under test on a pool of a fresh, migrated PostgreSQL database (the harness closes the pool). */
  readonly postgres: (pool: Pool) => T | Promise<T>;
}

/** What a suite's cases read: the ports (set before the first case runs) and which driver they are on. */
export interface DriverContext<T> {
  readonly ports: T;
  readonly driver: DriverName;
}

const postgresSkipReason = await findPostgresSkipReason();

/** Declares `cases` once per driver, as `<title> [sqlite]` and `<title> [postgres]`; one store per driver and file. */
export function describeEachDriver<T>(
  title: string,
  openers: DriverOpeners<T>,
  cases: (context: DriverContext<T>) => void,
): void {
  for (const driver of ['sqlite', 'postgres'] as const) {
    const skip = driver === 'postgres' && postgresSkipReason !== undefined;
    describe.skipIf(skip)(`${title} [${driver}]`, () => {
      const context: { ports: T; driver: DriverName } = { ports: undefined as T, driver };
      let close: () => Promise<void> = () => Promise.resolve();
      beforeAll(async () => {
        const opened = driver === 'sqlite' ? await openers.sqlite() : await openPostgres(openers.postgres);
        context.ports = opened.ports;
        close = async () => void (await opened.close());
      });
      afterAll(() => close());
      cases(context);
    });
  }
}

async function openPostgres<T>(build: DriverOpeners<T>['postgres']): Promise<OpenedPorts<T>> {
  const database = await createTestDatabase();
  const pool = openPostgresPool(database.url);
  try {
    await migratePostgres(pool);
    const ports = await build(pool);
    return {
      ports,
      close: async () => {
        await pool.end();
        await database.drop();
      },
    };
  } catch (error) {
    await pool.end();
    await database.drop();
    throw error;
  }
}
