import { createSecretKey } from 'node:crypto';
import type { PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, findPostgresSkipReason } from '../../../test/support/start-postgres.js';
import type { TestDatabase } from '../../../test/support/start-postgres.js';
import { limits } from '../../config/index.js';
import { openPostgresStorage } from './open-postgres-storage.js';
import type { PostgresStorage } from './open-postgres-storage.js';

const skipReason = await findPostgresSkipReason();
let database: TestDatabase;
let storage: PostgresStorage;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  database = await createTestDatabase();
  storage = await openPostgresStorage(database.url, { idempotencySealKey: createSecretKey(Buffer.alloc(32, 7)) });
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await storage.close();
  await database.drop();
});

describe.skipIf(skipReason !== undefined)('openPostgresStorage', () => {
  it('drains the journal on connections of its own: a serving pool with every connection taken does not delay it', async () => {
    const taken: PoolClient[] = [];
    try {
      for (let index = 0; index < limits.postgresConnectionsMax; index += 1) taken.push(await storage.pool.connect());
      expect(storage.pool.idleCount).toBe(0);
      // On the serving pool this would queue for a connection (until postgresQueueWaitMsMax, then fail).
      const found = storage.journalStore.findGeneration('gen-not-there');
      await new Promise((resolve) => setImmediate(resolve));
      expect(storage.pool.waitingCount).toBe(0);
      await expect(found).resolves.toBeUndefined();
    } finally {
      for (const client of taken) client.release();
    }
  });
});
