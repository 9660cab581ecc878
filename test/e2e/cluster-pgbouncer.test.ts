import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNanos } from '../../src/metering/index.js';
import { acceptsStartupSettings } from '../../src/storage/postgres/open-postgres-pool.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import {
  awaitJournalsDrained,
  callMetered,
  createKey,
  readCredits,
  verifyClusterLedger,
} from '../support/cluster-calls.js';
import { clusterPepper, createClusterConfig } from '../support/cluster-config.js';
import { findPgbouncerSkipReason, startPgbouncer } from '../support/start-pgbouncer.js';
import type { Pgbouncer } from '../support/start-pgbouncer.js';
import { createTestDatabase, findPostgresSkipReason } from '../support/start-postgres.js';
import type { TestDatabase } from '../support/start-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Cluster mode behind a real PgBouncer in transaction mode, PgBouncer's defaults otherwise (docs/cluster.md): it
 * refuses the session settings Meridian sends to PostgreSQL at connection start, and hands each transaction to any
 * server connection, so nothing may rely on a session (a prepared statement, a session-level advisory lock). Two
 * nodes start together through it, serve concurrent calls on one small balance without overspending it, and one of
 * them restarts; the ledger verifies through the pooler.
 */

const skipReason = (await findPostgresSkipReason()) ?? findPgbouncerSkipReason();
/** Usage every call reports: 3 prompt tokens at 1 000 nano-USD, 1 completion token at 2 000 → 5 000 nano-USD. */
const usage = { input: 3, cached: 0, output: 1, reasoning: 0 };
const callCostNanos = 5_000n;
const callsCount = 300;

let fake: FakeUpstream;
let database: TestDatabase;
let bouncer: Pgbouncer;
const nodes: GatewayProcess[] = [];

function startNode(nodeId: string, directory?: string): Promise<GatewayProcess> {
  return startGatewayProcess({
    configYaml: createClusterConfig({
      fakeBaseUrl: fake.baseUrl,
      postgresUrl: bouncer.urlFor(database.url),
      nodeId,
      nodesExpected: 2,
      orgs: { acme: '0.0005', big: '1.00' },
    }),
    ...(directory === undefined ? {} : { directory }),
    env: { MERIDIAN_KEY_PEPPER: clusterPepper, MERIDIAN_LOG_LEVEL: 'warn' },
  });
}

beforeAll(async () => {
  if (skipReason !== undefined) return;
  fake = await createFakeUpstream();
  database = await createTestDatabase();
  bouncer = await startPgbouncer(database.url);
  // Started together: both migrate through the pooler, one after the other under a transaction-level lock.
  nodes.push(...(await Promise.all([startNode('node-a'), startNode('node-b')])));
}, 60_000);

afterAll(async () => {
  if (skipReason !== undefined) return;
  for (const node of nodes) await node.stop();
  for (const node of nodes) node.cleanup();
  await bouncer.stop();
  await fake.close();
  await database.drop();
});

describe.skipIf(skipReason !== undefined)('two nodes behind PgBouncer in transaction mode', () => {
  it('find the pooler at start (it refuses startup settings, PostgreSQL takes them) and say so', async () => {
    expect(await acceptsStartupSettings(database.url)).toBe(true);
    expect(await acceptsStartupSettings(bouncer.urlFor(database.url))).toBe(false);
    for (const node of nodes) expect(node.output.join('')).toContain('postgres_behind_pooler');
  });

  it('find a pooler that accepts the startup settings only to drop them (its ignore_startup_parameters)', async () => {
    const lenient = await startPgbouncer(database.url, {
      ignoredStartupParameters: ['statement_timeout', 'idle_in_transaction_session_timeout', 'options'],
    });
    try {
      expect(await acceptsStartupSettings(lenient.urlFor(database.url))).toBe(false);
    } finally {
      await lenient.stop();
    }
  });

  it(`${callsCount} concurrent calls over both nodes never overspend one small balance; the ledger verifies`, async () => {
    fake.reset();
    for (let index = 0; index < callsCount; index += 1) {
      fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    }
    const key = await createKey(nodes[0]!.url, 'acme');
    const results = await Promise.all(
      Array.from({ length: callsCount }, (_, index) => callMetered(nodes[index % nodes.length]!.url, key)),
    );
    const served = results.filter((result) => result.status === 200);
    expect(served.length + results.filter((result) => result.status === 402).length).toBe(callsCount);
    expect(served.length).toBeGreaterThan(0);
    // 0.0005 USD pays for at most 100 calls of 5 000 nano-USD.
    expect(served.length).toBeLessThanOrEqual(100);
    expect(fake.received).toHaveLength(served.length);
    await awaitJournalsDrained(nodes);
    const charged = BigInt(served.length) * callCostNanos;
    expect(await readCredits(nodes[1]!.url, key)).toEqual({
      total_credits: 0.0005,
      total_usage: renderNanos(charged),
      held: 0,
      available: renderNanos(500_000n - charged),
      ...{ total_credits_nanos: '500000', total_usage_nanos: String(charged), held_nanos: '0' },
      available_nanos: String(500_000n - charged),
      org_id: 'acme',
    });
    const report = await verifyClusterLedger(nodes[0]!);
    expect(report).toContain('INV-8');
    expect(report).not.toContain('✗');
  }, 120_000);

  it('a node restarted behind the pooler migrates, starts and serves (no lock left behind by the first start)', async () => {
    const restarted = nodes[1]!;
    await restarted.stop();
    nodes[1] = await startNode('node-b', restarted.directory);
    fake.reset();
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    const key = await createKey(nodes[1].url, 'big');
    expect((await callMetered(nodes[1].url, key)).status).toBe(200);
    expect(fake.received).toHaveLength(1);
    await awaitJournalsDrained(nodes);
    expect(await readCredits(nodes[0]!.url, key)).toMatchObject({ total_usage: renderNanos(callCostNanos), held: 0 });
  }, 60_000);
});
