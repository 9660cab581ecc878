import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream, sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { clusterPepper } from '../support/cluster-config.js';
import { awaitJournalsDrained, createKey } from '../support/cluster-calls.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { readGeneration } from '../support/gateway-config.js';
import { createTestDatabase, findPostgresSkipReason } from '../support/start-postgres.js';
import type { TestDatabase } from '../support/start-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * PRODUCT.md §4: a failed attempt before the serving one is charged 0 to the customer but "recorded as upstream cost
 * for the operator"; RELIABILITY.md INV-3/INV-4: an attempt whose upstream reported usage has it posted, once per
 * (request, attempt). Two endpoints of one model on one fake upstream, tried in order (`provider.order`), at 1 000
 * nano-USD per prompt token and 2 000 per completion token; on the SQLite ledger and on PostgreSQL (cluster mode).
 * The first attempt reports 40 prompt and 5 completion tokens (50 000 nano-USD), then fails before any output.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const postgresSkipReason = await findPostgresSkipReason();
const firstProvider = 'fake-metered';
const secondProvider = 'fake-metered-second';
const order = { provider: { order: [firstProvider, secondProvider], allow_fallbacks: true } };
const failedUsage = { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 };
const failedCostNanos = 40n * 1_000n + 5n * 2_000n;
const served = { text: ['Served.'], usage: { input: 10, cached: 0, output: 3, reasoning: 0 } };
const servedCostNanos = 10n * 1_000n + 3n * 2_000n;

/** A stream that reports its usage, then an error, before any output. */
const usageThenError: Scenario = {
  kind: 'sse',
  frames: sseFrames(
    [
      { id: 'chatcmpl-a', object: 'chat.completion.chunk', choices: [], usage: failedUsage },
      { error: { message: 'model overloaded', code: 'overloaded' } },
    ],
    false,
  ),
};
/** A JSON answer with usage but no choice (unusable). */
const usageWithoutChoice: Scenario = { kind: 'json', body: { id: 'chatcmpl-a', choices: [], usage: failedUsage } };

interface ProviderCost {
  readonly attempt: string;
  readonly debit: string;
  readonly credit: string;
  readonly amount: string;
}

interface Books {
  readonly gateway: GatewayProcess;
  readProviderCosts(requestId: string): Promise<ProviderCost[]>;
  /** Waits until the node's settlements are in its store (cluster mode's journal drains after the answer). */
  settle(): Promise<void>;
  verify(): Promise<string>;
  close(): Promise<void>;
}

const providerCostsSql = (parameter: string) =>
  `SELECT attempt_id AS attempt, debit_account AS debit, credit_account AS credit, amount FROM ledger_postings
   WHERE kind = 'provider_cost' AND request_id = ${parameter} ORDER BY attempt_id`;

const toCost = (row: Record<string, unknown>): ProviderCost => ({
  attempt: String(row['attempt']).replace(/^.*:/, ':'),
  debit: String(row['debit']),
  credit: String(row['credit']),
  amount: String(row['amount']),
});

function twoEndpointConfig(fakeBaseUrl: string): string {
  return createCreditsConfig(fakeBaseUrl, { books: '1.00' }, { hasSecondEndpoint: true });
}

async function verifyLedger(gateway: GatewayProcess, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [mainPath, 'ledger', 'verify', '--config', join(gateway.directory, 'meridian.yaml')],
    { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', ...env } },
  );
  return stdout;
}

async function openSqliteBooks(fakeBaseUrl: string): Promise<Books> {
  const gateway = await startGatewayProcess({ configYaml: twoEndpointConfig(fakeBaseUrl) });
  return {
    gateway,
    readProviderCosts: (requestId) => {
      const database = new Database(join(gateway.directory, 'meridian.db'), { readonly: true });
      try {
        const rows = database.prepare(providerCostsSql('?')).safeIntegers(true).all(requestId);
        return Promise.resolve((rows as Record<string, unknown>[]).map(toCost));
      } finally {
        database.close();
      }
    },
    settle: () => Promise.resolve(),
    verify: () => verifyLedger(gateway),
    close: async () => {
      await gateway.stop();
      gateway.cleanup();
    },
  };
}

async function openPostgresBooks(fakeBaseUrl: string): Promise<Books> {
  const database: TestDatabase = await createTestDatabase();
  const configYaml = twoEndpointConfig(fakeBaseUrl).replace(
    'storage: { url: "sqlite:{{dir}}/meridian.db" }',
    `storage: { url: "${database.url}" }\ncluster: { node_id: books, nodes_expected: 1 }`,
  );
  const env = { MERIDIAN_KEY_PEPPER: clusterPepper };
  const gateway = await startGatewayProcess({ configYaml, env });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    gateway,
    readProviderCosts: async (requestId) =>
      (await client.query<Record<string, unknown>>(providerCostsSql('$1'), [requestId])).rows.map(toCost),
    settle: () => awaitJournalsDrained([gateway]),
    verify: () => verifyLedger(gateway, env),
    close: async () => {
      await client.end();
      await gateway.stop();
      gateway.cleanup();
      await database.drop();
    },
  };
}

describe.each([
  ['SQLite', openSqliteBooks, undefined],
  ['PostgreSQL', openPostgresBooks, postgresSkipReason],
] as const)('%s ledger', (_name, openBooks, skipReason) => {
  let fake: FakeUpstream;
  let books: Books;
  let key: string;

  beforeAll(async () => {
    if (skipReason !== undefined) return;
    fake = await createFakeUpstream();
    books = await openBooks(fake.baseUrl);
    key = await createKey(books.gateway.url, 'books');
  }, 60_000);

  afterAll(async () => {
    if (skipReason !== undefined) return;
    const report = await books.verify();
    await books.close();
    await fake.close();
    expect(report).toContain('INV-4');
    expect(report).not.toContain('✗');
  });

  async function call(stream: boolean) {
    const response = await callMeteredModel(books.gateway.url, key, { ...order, stream });
    const text = await response.text();
    const id = response.headers.get('x-meridian-generation-id')!;
    await books.settle();
    return { status: response.status, text, id, generation: await readGeneration(books.gateway.url, key, id) };
  }

  it.skipIf(skipReason !== undefined).each([
    ['a stream that sent usage, then an error', true, usageThenError],
    ['a JSON answer with usage but no choice', false, usageWithoutChoice],
  ] as const)(
    'the first attempt is %s: the second serves; its cost is posted as well',
    async (_case, stream, fault) => {
      fake.enqueue(fault);
      fake.enqueue(stream ? streamScript('openai', served) : completeScript('openai', served));
      const { status, text, id, generation } = await call(stream);
      expect(status).toBe(200);
      expect(text).toContain('Served.');
      expect(generation).toMatchObject({
        provider_name: secondProvider,
        ending: 'success',
        cost_nanos: String(servedCostNanos),
        upstream_cost_nanos: String(failedCostNanos + servedCostNanos),
      });
      expect(await books.readProviderCosts(id)).toEqual([
        {
          attempt: ':1',
          debit: 'platform:inference_cost',
          credit: `platform:provider_payable:${firstProvider}`,
          amount: String(failedCostNanos),
        },
        {
          attempt: ':2',
          debit: 'platform:inference_cost',
          credit: `platform:provider_payable:${secondProvider}`,
          amount: String(servedCostNanos),
        },
      ]);
    },
  );

  it.skipIf(skipReason !== undefined)(
    'every attempt fails: the customer pays 0, the first attempt’s cost is an insurance expense',
    async () => {
      fake.enqueue(usageThenError);
      fake.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' });
      const { status, id, generation } = await call(true);
      expect(status).toBe(502);
      expect(generation).toMatchObject({
        ending: 'error',
        cost_nanos: '0',
        upstream_cost_nanos: String(failedCostNanos),
      });
      expect(await books.readProviderCosts(id)).toEqual([
        {
          attempt: ':1',
          debit: 'platform:insurance_expense',
          credit: `platform:provider_payable:${firstProvider}`,
          amount: String(failedCostNanos),
        },
      ]);
    },
  );
});
