import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: `MERIDIAN_TEST_POSTGRES_URL`, else the machine's server on 127.0.0.1:5432 (trust
 * auth). Tests never touch existing databases: each creates its own `meridian_test_<random>` and drops it.
 */
export const adminUrl = process.env['MERIDIAN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** `postgres://…/meridian_test_<random>` */
  readonly url: string;
  /** Ends every connection to it and drops it. */
  drop(): Promise<void>;
}

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can. With `MERIDIAN_REQUIRE_SERVICES=1` (CI) an
 * unreachable server is an error instead of a skip.
 */
export async function findPostgresSkipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL is not reachable at ${redactUrl(adminUrl)} (${String(error)})`;
    if (process.env['MERIDIAN_REQUIRE_SERVICES'] === '1') throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but ${reason}`);
    console.warn(`Skipping PostgreSQL tests: ${reason}.`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `meridian_test_${randomBytes(6).toString('hex')}`;
  await runAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function runAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}
