import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { createKey } from '../support/cluster-calls.js';
import { clusterPepper, createClusterConfig } from '../support/cluster-config.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { createTestDatabase, findPostgresSkipReason } from '../support/start-postgres.js';
import type { TestDatabase } from '../support/start-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Answers stored for Idempotency-Key replay are sealed at rest (docs/security.md): a copy of the database (the SQLite
 * files, or the PostgreSQL table) holds none of their text, while a retry still replays them byte for byte — after a
 * restart (the key comes from the pepper in the data directory) and on another node of a cluster (same pepper).
 */

const completion = `COMPLETION-CANARY-${randomBytes(8).toString('hex')}`;
const usage = { input: 3, cached: 0, output: 1, reasoning: 0 };

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await createFakeUpstream();
});
afterAll(async () => {
  await fake.close();
});

function post(nodeUrl: string, key: string, idempotencyKey: string, stream: boolean): Promise<Response> {
  return fetch(`${nodeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stream }),
  });
}

/** The first call of each kind (JSON, stream), answered by the fake upstream with the canary; their bodies. */
async function callBoth(nodeUrl: string, key: string): Promise<{ json: string; stream: string }> {
  fake.enqueue(completeScript('openai', { text: [completion], usage }));
  const json = await post(nodeUrl, key, 'at-rest-json', false);
  fake.enqueue(streamScript('openai', { text: [completion.slice(0, 9), completion.slice(9)], usage }));
  const stream = await post(nodeUrl, key, 'at-rest-stream', true);
  expect([json.status, stream.status]).toEqual([200, 200]);
  expect([json.headers.get('idempotent-replayed'), stream.headers.get('idempotent-replayed')]).toEqual([
    'false',
    'false',
  ]);
  return { json: await json.text(), stream: await stream.text() };
}

/** Both replayed from `nodeUrl`, exactly the first bodies, with no upstream call. */
async function expectReplays(nodeUrl: string, key: string, first: { json: string; stream: string }): Promise<void> {
  const receivedBefore = fake.received.length;
  const json = await post(nodeUrl, key, 'at-rest-json', false);
  const stream = await post(nodeUrl, key, 'at-rest-stream', true);
  expect([json.status, stream.status]).toEqual([200, 200]);
  expect([json.headers.get('idempotent-replayed'), stream.headers.get('idempotent-replayed')]).toEqual([
    'true',
    'true',
  ]);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  expect({ json: await json.text(), stream: await stream.text() }).toEqual(first);
  expect(fake.received).toHaveLength(receivedBefore);
}

describe('Idempotency-Key answers at rest, embedded SQLite', () => {
  let gateway: GatewayProcess;
  const config = (): string => createCreditsConfig(fake.baseUrl, { acme: '1.00' });
  afterAll(async () => {
    await gateway.stop();
    gateway.cleanup();
  });

  it('are not in the database files, and replay byte for byte before and after a restart', async () => {
    fake.reset();
    gateway = await startGatewayProcess({ configYaml: config() });
    const key = await createKey(gateway.url, 'acme');
    const first = await callBoth(gateway.url, key);
    expect(first.json).toContain(completion);
    expect(first.stream).toContain(completion.slice(9));
    await expectReplays(gateway.url, key, first);

    await gateway.stop();
    gateway = await startGatewayProcess({ configYaml: config(), directory: gateway.directory });
    await expectReplays(gateway.url, key, first);
    expect(fake.received).toHaveLength(2);
    await gateway.stop();

    const files = readdirSync(gateway.directory).filter((name) => name.startsWith('meridian.db'));
    expect(files.length).toBeGreaterThan(0);
    const contents = files.map((name) => readFileSync(join(gateway.directory, name)).toString('latin1')).join('\n');
    expect(contents).toContain('at-rest-json');
    expect(contents).not.toContain(completion.slice(9));
    expect(contents).not.toContain(completion.slice(0, 9));
  });
});

const postgresSkipReason = await findPostgresSkipReason();

describe.skipIf(postgresSkipReason !== undefined)('Idempotency-Key answers at rest, two nodes on PostgreSQL', () => {
  let database: TestDatabase;
  const nodes: GatewayProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    for (const nodeId of ['node-a', 'node-b']) {
      const configYaml = createClusterConfig({
        fakeBaseUrl: fake.baseUrl,
        postgresUrl: database.url,
        nodeId,
        nodesExpected: 2,
        orgs: { acme: '1.00' },
      });
      // One after the other: the first migrates, the second finds the schema.
      nodes.push(await startGatewayProcess({ configYaml, env: { MERIDIAN_KEY_PEPPER: clusterPepper } }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    for (const node of nodes) node.cleanup();
    await database.drop();
  });

  it('are not in the table, and another node replays them byte for byte', async () => {
    fake.reset();
    const [nodeA, nodeB] = nodes as [GatewayProcess, GatewayProcess];
    const key = await createKey(nodeA.url, 'acme');
    const first = await callBoth(nodeA.url, key);
    await expectReplays(nodeB.url, key, first);
    await expectReplays(nodeA.url, key, first);
    expect(fake.received).toHaveLength(2);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, unknown>>('SELECT * FROM idempotency_records');
      expect(rows.map((row) => [row['idempotency_key'], row['response_headers']]).sort()).toEqual([
        ['at-rest-json', 'sealed:v1'],
        ['at-rest-stream', 'sealed:v1'],
      ]);
      const columns = rows
        .flatMap((row) => Object.values(row))
        .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))
        .join('\n');
      expect(columns).not.toContain(completion.slice(9));
      expect(columns).not.toContain(completion.slice(0, 9));
    } finally {
      await client.end();
    }
  });
});
