import { describe, expect, it } from 'vitest';
import { applyToRollups } from './apply-to-rollups.js';
import { createRecord, openTestDatabase, writeGenerations } from './test-support.js';

const bucketStart = Date.UTC(2026, 5, 30, 12, 0);

function readRollups(database: ReturnType<typeof openTestDatabase>): unknown[] {
  return database
    .prepare('SELECT * FROM usage_rollups ORDER BY bucket_start_ms, model_id, app, key_id')
    .safeIntegers(true)
    .all();
}

describe('applyToRollups', () => {
  it('adds records of one quarter-hour and dimensions into one row, with exact sums', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { finishedAtMs: bucketStart, appTitle: 'Cline', costNanos: 9_007_199_254_740_993n }),
      createRecord('g2', { finishedAtMs: bucketStart + 899_999, appTitle: 'Cline', upstreamCostNanos: 1n }),
    ]);
    expect(readRollups(database)).toEqual([
      {
        bucket_start_ms: BigInt(bucketStart),
        model_id: 'deepseek/deepseek-v3.2',
        author: 'deepseek',
        origin: 'CN',
        provider_id: 'deepseek',
        app: 'Cline',
        org_id: 'org-a',
        key_id: 'key-a',
        requests: 2n,
        requests_usage_estimated: 0n,
        requests_usage_unknown: 0n,
        tokens_prompt: 2_000n,
        tokens_completion: 400n,
        tokens_reasoning: 100n,
        tokens_cached: 1_600n,
        tokens_total: 2_400n,
        cost_nanos: 9_007_199_254_741_993n,
        upstream_cost_nanos: 701n,
      },
    ]);
  });

  it('buckets by finish time: the next quarter-hour starts a new row', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { finishedAtMs: bucketStart + 899_999 }),
      createRecord('g2', { startedAtMs: bucketStart, finishedAtMs: bucketStart + 900_000 }),
    ]);
    expect(readRollups(database).map((row) => (row as { bucket_start_ms: bigint }).bucket_start_ms)).toEqual([
      BigInt(bucketStart),
      BigInt(bucketStart + 900_000),
    ]);
  });

  it('adds unknown counts as 0 and counts the records with unknown or estimated usage', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { tokensInputTotal: null, tokensInputCacheRead: null, tokensOutputReasoning: null }),
      createRecord('g2', { tokensOutputTotal: null, isUsageEstimated: true }),
      createRecord('g3', { tokensOutputReasoning: null, tokensInputCacheRead: null, isUsageEstimated: true }),
      createRecord('g4', { tokensInputTotal: -5, tokensOutputTotal: 2.5 }),
    ]);
    expect(readRollups(database)).toMatchObject([
      {
        requests: 4n,
        requests_usage_estimated: 2n,
        requests_usage_unknown: 3n,
        tokens_prompt: 2_000n,
        tokens_completion: 400n,
        tokens_reasoning: 100n,
        tokens_cached: 1_600n,
        tokens_total: 2_400n,
      },
    ]);
  });

  it('counts a replayed record once, whether replayed in the same batch or a later one', () => {
    const database = openTestDatabase();
    const record = createRecord('g1');
    expect(writeGenerations(database, [record, record]).map((stored) => stored.id)).toEqual(['g1']);
    expect(writeGenerations(database, [record, createRecord('g2')]).map((stored) => stored.id)).toEqual(['g2']);
    expect(readRollups(database)).toMatchObject([{ requests: 2n, tokens_total: 2_400n, cost_nanos: 2_000n }]);
  });

  it('keeps apps, keys and orgs apart, and attributes a referer by its host', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { appReferer: 'https://www.agent.example/run?id=42' }),
      createRecord('g2', { appTitle: 'Agent', appReferer: 'https://www.agent.example/' }),
      createRecord('g3', { keyId: 'key-b' }),
      createRecord('g4', { orgId: 'org-b', keyId: 'key-c' }),
    ]);
    expect(
      readRollups(database).map((row) => {
        const { app, org_id: orgId, key_id: keyId, requests } = row as Record<string, unknown>;
        return [app, orgId, keyId, requests];
      }),
    ).toEqual([
      ['', 'org-a', 'key-b', 1n],
      ['', 'org-b', 'key-c', 1n],
      ['Agent', 'org-a', 'key-a', 1n],
      ['agent.example', 'org-a', 'key-a', 1n],
    ]);
  });

  it('refuses to run outside the transaction that inserts the generations', () => {
    const database = openTestDatabase();
    expect(() => applyToRollups(database, [createRecord('g1')])).toThrow(/inside the transaction/);
  });

  it('rolls back with the generation batch it rides in', () => {
    const database = openTestDatabase();
    const failing = database.transaction(() => {
      applyToRollups(database, [createRecord('g1')]);
      throw new Error('the generation batch failed');
    });
    expect(() => failing()).toThrow('the generation batch failed');
    expect(readRollups(database)).toEqual([]);
  });
});
