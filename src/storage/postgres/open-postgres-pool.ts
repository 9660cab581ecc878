import pg from 'pg';
import type { Pool } from 'pg';
import { limits } from '../../config/index.js';

const int8Oid = 20;
const numericOid = 1700;

/**
 * The session settings every connection runs with: a server-side bound on each statement and on a transaction left
 * idle, and no JIT (our statements are short, but a plan over parameter arrays is estimated high enough to cross
 * `jit_above_cost`, and compiling it then costs ~200 ms for a query that runs in ~50: a zoned time series).
 */
const sessionSettings = {
  statementTimeoutMs: limits.postgresStatementTimeoutMs,
  idleInTransactionTimeoutMs: limits.postgresStatementTimeoutMs * 2,
};

/** As startup parameters: every connection has them from its first statement. */
function readStartupSettings(): pg.ClientConfig {
  return {
    statement_timeout: sessionSettings.statementTimeoutMs,
    idle_in_transaction_session_timeout: sessionSettings.idleInTransactionTimeoutMs,
    options: '-c jit=off',
  };
}

/** As `SET LOCAL` statements, for the transactions of a pool whose connections could not have them. */
const localSettingStatements: readonly string[] = [
  `SET LOCAL statement_timeout = ${sessionSettings.statementTimeoutMs}`,
  `SET LOCAL idle_in_transaction_session_timeout = ${sessionSettings.idleInTransactionTimeoutMs}`,
  'SET LOCAL jit = off',
];

/** Pools opened without the startup settings: behind a pooler ({@link acceptsStartupSettings}). */
const pooledBehindPooler = new WeakSet<Pool>();

/**
 * Whether `pool` was opened without the startup settings, i.e. behind a pooler: its transactions set them locally
 * ({@link readLocalSettings}) and its connections keep nothing from one transaction to the next (no prepared
 * statement either).
 */
export function isBehindPooler(pool: Pool): boolean {
  return pooledBehindPooler.has(pool);
}

/**
 * What a transaction on `pool` runs right after BEGIN (in the same query: no round trip of its own): nothing on a
 * pool whose connections have the session settings; on one opened without them (behind a pooler, where a setting
 * lasts only as long as the transaction anyway), the same settings as `SET LOCAL`. Statements outside a
 * transaction are bounded by the client's query timeout alone there.
 */
export function readLocalSettings(pool: Pool): readonly string[] {
  return isBehindPooler(pool) ? localSettingStatements : [];
}

/**
 * A connection pool for one PostgreSQL database (`storage.url: postgres://…`). Money columns are `bigint` (int8) and
 * come back as JS `bigint`, never as lossy numbers; `numeric` sums (SUM over bigint) come back as `bigint` too.
 * Every query is bounded: a timeout on the client (statement plus connection timeout) and a connection timeout, so a
 * stopped or frozen database turns into an error, never a hang; and on the server, a statement timeout: on every
 * connection with `startupSettings` (the default), else (behind a pooler that refuses them,
 * {@link acceptsStartupSettings}) in every transaction ({@link readLocalSettings}).
 */
export function openPostgresPool(
  url: string,
  options: {
    readonly connectionsMax?: number;
    readonly startupSettings?: boolean;
    /** `limits.postgresQueueWaitMsMax` unless given (tests). */
    readonly queueWaitMsMax?: number;
  } = {},
): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.connectionsMax ?? limits.postgresConnectionsMax,
    // pg-pool bounds both a query's wait for a connection of a full pool and the opening of a new one by this; the
    // wait is the node's own load and gets the longer bound, and the client bounds its opening itself.
    connectionTimeoutMillis: options.queueWaitMsMax ?? limits.postgresQueueWaitMsMax,
    Client: ConnectBoundedClient as unknown as new () => pg.ClientBase,
    query_timeout: limits.postgresStatementTimeoutMs + limits.postgresConnectTimeoutMs,
    ...(options.startupSettings === false ? {} : readStartupSettings()),
    types: { getTypeParser: readTypeParser },
  });
  // A client whose connection ends emits 'error': an idle one through the pool, which replaces it; a checked-out one
  // only on itself (the pool listens only while it is idle). Without a listener, Node would throw the error out of
  // the socket's handler and stop the process. The query that was running, and any later one, fail with it, and the
  // pool discards the client when it is released.
  pool.on('error', ignoreError);
  pool.on('connect', (client) => client.on('error', ignoreError));
  if (options.startupSettings === false) pooledBehindPooler.add(pool);
  return pool;
}

/**
 * `pg`'s client with its own bound on opening its connection (`limits.postgresConnectTimeoutMs`): a stopped or frozen
 * server fails a query in that time, whatever the pool's bound on waiting for a connection.
 */
class ConnectBoundedClient extends pg.Client {
  constructor(config: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: limits.postgresConnectTimeoutMs });
  }
}

/**
 * Whether the server at `url` takes the session settings as startup parameters and keeps them. PgBouncer refuses
 * every startup parameter it does not track (`08P01 unsupported startup parameter: statement_timeout`), or, listed in
 * its `ignore_startup_parameters`, drops them silently; in transaction mode it could not keep a session setting
 * anyway. False in both cases: the probe reads the statement timeout back. Any other failure to connect is thrown.
 */
export async function acceptsStartupSettings(url: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: limits.postgresConnectTimeoutMs,
    ...readStartupSettings(),
  });
  client.on('error', ignoreError);
  try {
    await client.connect();
    const { rows } = await client.query<{ ms: string }>(
      "SELECT (extract(epoch FROM current_setting('statement_timeout')::interval) * 1000)::bigint::text AS ms",
    );
    return rows[0]?.ms === String(sessionSettings.statementTimeoutMs);
  } catch (error) {
    if (isRefusedStartupParameter(error)) return false;
    throw error;
  } finally {
    await client.end().catch(ignoreError);
  }
}

function isRefusedStartupParameter(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '08P01' &&
    error.message.startsWith('unsupported startup parameter')
  );
}

function ignoreError(): void {}

function readTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === int8Oid) return (value: string) => BigInt(value);
  if (oid === numericOid) return (value: string) => (/^-?\d+$/.test(value) ? BigInt(value) : Number(value));
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}
