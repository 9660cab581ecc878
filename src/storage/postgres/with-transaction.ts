import type { Pool, PoolClient } from 'pg';
import { readLocalSettings } from './open-postgres-pool.js';

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws.
 * `begin` opens it (a read-only snapshot: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`), with the pool's
 * local settings in the same query ({@link readLocalSettings}).
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let isBroken = false;
  try {
    await client.query([begin, ...readLocalSettings(pool)].join('; '));
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      isBroken = true;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is discarded, not returned to the pool.
    client.release(isBroken);
  }
}
