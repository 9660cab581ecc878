import { describe, expect, it } from 'vitest';
import { startRetentionPurges } from './start-retention.js';

const day = 86_400_000;
const nowMs = 100 * day;

function createFakes() {
  const calls: string[] = [];
  const logged: unknown[] = [];
  const storage = {
    generationContent: {
      findContent: () => undefined,
      purgeExpiredContent: (atMs: number, rowsMax: number) => (calls.push(`content ${atMs} ${rowsMax}`), 0),
    },
    generationList: {
      listRecentGenerations: () => [],
      purgeGenerationsBefore: (cutoffMs: number, rowsMax: number) => (
        calls.push(`generations ${cutoffMs / day}d ${rowsMax}`),
        3
      ),
    },
  };
  const log = {
    info: (event: string, fields: Record<string, unknown>) => logged.push([event, fields]),
    error: (event: string, fields: Record<string, unknown>) => logged.push([event, fields]),
  };
  return { storage, log, calls, logged };
}

describe('startRetentionPurges', () => {
  it('purges generation records older than the retention, in bounded batches, and logs the count', async () => {
    const { storage, log, calls, logged } = createFakes();
    const purges = startRetentionPurges({ storage, generationRetentionDays: 30, log, now: () => nowMs });
    await purges.stop();
    expect(calls).toEqual([`content ${nowMs} 500`, 'generations 70d 500']);
    expect(logged).toEqual([['generations_purged', { count: 3, retentionDays: 30 }]]);
  });

  it('keeps generation records when no retention is set (prompt logs still follow their own)', async () => {
    const { storage, log, calls, logged } = createFakes();
    const purges = startRetentionPurges({ storage, generationRetentionDays: undefined, log, now: () => nowMs });
    await purges.stop();
    expect(calls).toEqual([`content ${nowMs} 500`]);
    expect(logged).toEqual([]);
  });
});
