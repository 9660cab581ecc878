import { describe, expect, it } from 'vitest';
import { applyToRollups } from './apply-to-rollups.js';
import { createRecord, openTestDatabase, writeGenerations } from './test-support.js';

const bucketStart = Date.UTC(2026, 5, 30, 12, 0);

function readRollups(database: ReturnType<typeof openTestDatabase>, table = 'usage_rollups_quarter_hour'): unknown[] {
  return database
    .prepare(
      `SELECT * FROM ${table} ORDER BY bucket_start_ms, model_id, app${table.includes('barometer') ? '' : ', org_id, key_id'}`,
    )
    .safeIntegers(true)
    .all();
}

function readBucketStarts(database: ReturnType<typeof openTestDatabase>, table: string): string[] {
  return readRollups(database, table).map((row) =>
    new Date(Number((row as { bucket_start_ms: bigint }).bucket_start_ms)).toISOString(),
  );
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
    expect(readRollups(database, 'usage_rollups_day')).toEqual(
      readRollups(database).map((row) => ({ ...(row as object), bucket_start_ms: BigInt(Date.UTC(2026, 5, 30)) })),
    );
  });

  it('buckets by finish time into quarter-hours and UTC days', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { finishedAtMs: bucketStart + 899_999 }),
      createRecord('g2', { startedAtMs: bucketStart, finishedAtMs: bucketStart + 900_000 }),
      createRecord('g3', { finishedAtMs: Date.UTC(2026, 5, 30, 23, 59, 59, 999) }),
      createRecord('g4', { startedAtMs: Date.UTC(2026, 5, 30, 23, 59), finishedAtMs: Date.UTC(2026, 6, 1) }),
    ]);
    expect(readBucketStarts(database, 'usage_rollups_quarter_hour')).toEqual([
      '2026-06-30T12:00:00.000Z',
      '2026-06-30T12:15:00.000Z',
      '2026-06-30T23:45:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ]);
    expect(readBucketStarts(database, 'usage_rollups_day')).toEqual([
      '2026-06-30T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ]);
    expect(readRollups(database, 'usage_rollups_day')).toMatchObject([
      { requests: 3n, tokens_total: 3_600n, cost_nanos: 3_000n },
      { requests: 1n, tokens_total: 1_200n, cost_nanos: 1_000n },
    ]);
  });

  it('adds unknown or impossible counts as 0 and counts the records with unknown or estimated usage', () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1', { tokensInputTotal: null, tokensInputCacheRead: null, tokensOutputReasoning: null }),
      createRecord('g2', { tokensOutputTotal: null, isUsageEstimated: true }),
      createRecord('g3', { tokensOutputReasoning: null, tokensInputCacheRead: null, isUsageEstimated: true }),
      createRecord('g4', { tokensInputTotal: -5, tokensOutputTotal: 2.5 }),
      createRecord('g5', { tokensInputTotal: 10 ** 12 + 1 }),
    ]);
    expect(readRollups(database)).toMatchObject([
      {
        requests: 5n,
        requests_usage_estimated: 2n,
        requests_usage_unknown: 4n,
        tokens_prompt: 2_000n,
        tokens_completion: 600n,
        tokens_reasoning: 150n,
        tokens_cached: 2_400n,
        tokens_total: 2_600n,
      },
    ]);
  });

  it('counts a replayed record once, whether replayed in the same batch or a later one', () => {
    const database = openTestDatabase();
    const record = createRecord('g1');
    expect(writeGenerations(database, [record, record]).map((stored) => stored.id)).toEqual(['g1']);
    expect(writeGenerations(database, [record, createRecord('g2')]).map((stored) => stored.id)).toEqual(['g2']);
    expect(readRollups(database)).toMatchObject([{ requests: 2n, tokens_total: 2_400n, cost_nanos: 2_000n }]);
    expect(readRollups(database, 'usage_rollups_day')).toMatchObject([{ requests: 2n, cost_nanos: 2_000n }]);
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

  it("adds every org's and key's records into the barometer's rows, by quarter-hour and by UTC day", () => {
    const database = openTestDatabase();
    writeGenerations(database, [
      createRecord('g1'),
      createRecord('g2', { keyId: 'key-b' }),
      createRecord('g3', { orgId: 'org-b', keyId: 'key-c', costNanos: 5n }),
      createRecord('g4', { orgId: 'org-b', keyId: 'key-c', appTitle: 'Agent' }),
      createRecord('g5', { finishedAtMs: bucketStart + 900_000 }),
    ]);
    const barometer = (table: string): unknown[] =>
      readRollups(database, table).map((row) => {
        const {
          bucket_start_ms: startMs,
          app,
          requests,
          tokens_total: tokens,
          cost_nanos: cost,
        } = row as Record<string, unknown>;
        return [new Date(Number(startMs)).toISOString(), app, requests, tokens, cost];
      });
    expect(barometer('usage_barometer_quarter_hour')).toEqual([
      ['2026-06-30T12:00:00.000Z', '', 3n, 3_600n, 2_005n],
      ['2026-06-30T12:00:00.000Z', 'Agent', 1n, 1_200n, 1_000n],
      ['2026-06-30T12:15:00.000Z', '', 1n, 1_200n, 1_000n],
    ]);
    expect(barometer('usage_barometer_day')).toEqual([
      ['2026-06-30T00:00:00.000Z', '', 4n, 4_800n, 3_005n],
      ['2026-06-30T00:00:00.000Z', 'Agent', 1n, 1_200n, 1_000n],
    ]);
    expect(readRollups(database)).toHaveLength(5);
  });

  it('stops a sum at 2^63 - 1 instead of failing the generation batch', () => {
    const database = openTestDatabase();
    const huge = 2n ** 62n + 1n;
    // Two absurd records in one batch (summed before the upsert), then one more in a later batch (summed by it).
    const stored = [
      ...writeGenerations(database, [createRecord('g1', { costNanos: huge }), createRecord('g2', { costNanos: huge })]),
      ...writeGenerations(database, [createRecord('g3', { upstreamCostNanos: huge, orgId: 'org-b' })]),
      ...writeGenerations(database, [createRecord('g4', { upstreamCostNanos: huge, orgId: 'org-c' })]),
    ];
    expect(stored.map((record) => record.id)).toEqual(['g1', 'g2', 'g3', 'g4']);
    const max = 2n ** 63n - 1n;
    expect(readRollups(database)).toMatchObject([
      { org_id: 'org-a', requests: 2n, cost_nanos: max, upstream_cost_nanos: 1_400n },
      { org_id: 'org-b', requests: 1n, cost_nanos: 1_000n, upstream_cost_nanos: huge },
      { org_id: 'org-c', requests: 1n, cost_nanos: 1_000n, upstream_cost_nanos: huge },
    ]);
    expect(readRollups(database, 'usage_barometer_quarter_hour')).toMatchObject([
      { requests: 4n, cost_nanos: max, upstream_cost_nanos: max },
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
    for (const table of [
      'usage_rollups_quarter_hour',
      'usage_rollups_day',
      'usage_barometer_quarter_hour',
      'usage_barometer_day',
    ])
      expect(readRollups(database, table)).toEqual([]);
  });
});
