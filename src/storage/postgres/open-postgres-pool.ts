import pg from 'pg';
import type { Pool } from 'pg';
import { limits } from '../../config/index.js';

const int8Oid = 20;
const numericOid = 1700;

/**
 * A connection pool for one PostgreSQL database (`storage.url: postgres://…`). Money columns are `bigint` (int8) and
 * come back as JS `bigint`, never as lossy numbers; `numeric` sums (SUM over bigint) come back as `bigint` too.
 * Every query is bounded: a statement timeout on the server and a connection timeout on the client, so a stopped or
 * frozen database turns into an error within `limits.postgresStatementTimeoutMs`, never a hang.
 */
export function openPostgresPool(url: string, options: { readonly connectionsMax?: number } = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.connectionsMax ?? limits.postgresConnectionsMax,
    connectionTimeoutMillis: limits.postgresConnectTimeoutMs,
    statement_timeout: limits.postgresStatementTimeoutMs,
    query_timeout: limits.postgresStatementTimeoutMs + limits.postgresConnectTimeoutMs,
    idle_in_transaction_session_timeout: limits.postgresStatementTimeoutMs * 2,
    // No JIT: our statements are short, but a plan over parameter arrays is estimated high enough to cross
    // jit_above_cost, and compiling it then costs ~200 ms for a query that runs in ~50 (a zoned time series).
    options: '-c jit=off',
    types: { getTypeParser: readTypeParser },
  });
  // A client whose connection ends emits 'error': an idle one through the pool, which replaces it; a checked-out one
  // only on itself (the pool listens only while it is idle). Without a listener, Node would throw the error out of
  // the socket's handler and stop the process. The query that was running, and any later one, fail with it, and the
  // pool discards the client when it is released.
  pool.on('error', ignoreError);
  pool.on('connect', (client) => client.on('error', ignoreError));
  return pool;
}

function ignoreError(): void {}

function readTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === int8Oid) return (value: string) => BigInt(value);
  if (oid === numericOid) return (value: string) => (/^-?\d+$/.test(value) ? BigInt(value) : Number(value));
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}
