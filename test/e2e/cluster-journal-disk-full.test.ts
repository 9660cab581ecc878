import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderNanos } from '../../src/metering/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import {
  awaitJournalsDrained,
  callMetered,
  createKey,
  readCredits,
  verifyClusterLedger,
} from '../support/cluster-calls.js';
import { clusterPepper, createClusterConfig } from '../support/cluster-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { findTmpfsSkipReason, mountTmpfs, writeFiller } from '../support/mount-tmpfs.js';
import { readSseData } from '../support/read-sse.js';
import { findPrivatePostgresSkipReason, startPrivatePostgres } from '../support/start-private-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A cluster node whose settlement journal's disk fills up (its data directory on a tmpfs of its own). Before, the
 * node kept calling the provider and lost every call's settlement: JSON calls were answered 503 after the upstream
 * had been paid, a stream was cut before its end and never charged, the upstream cost was booked nowhere, and
 * `/readyz` said 200. Now the settlement of a call already running goes to PostgreSQL directly, new paid calls get
 * 503 `ledger_unavailable` before any upstream request, readiness and `meridian_degraded{component="journal"}` say
 * so, and once there is room the node serves again by itself; every charge exact, the ledger verifies.
 */

const skipReason = findTmpfsSkipReason() ?? findPrivatePostgresSkipReason();
const cleanups: (() => Promise<void> | void)[] = [];
/**
 * 3 prompt tokens at 1 000 nano-USD and 5 completion tokens at 2 000 → 13 000 nano-USD per call (5: the max_tokens
 * callMetered sends; a provider reporting more is billed the limit, INV-7).
 */
const usage = { input: 3, cached: 0, output: 5, reasoning: 0 };
const callCostNanos = 13_000n;

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startNode() {
  const disk = mountTmpfs(4 * 1024 * 1024);
  cleanups.push(() => disk.unmount());
  const fake = await createFakeUpstream();
  cleanups.push(() => fake.close());
  const postgres = await startPrivatePostgres();
  cleanups.push(() => postgres.destroy());
  const configYaml = createClusterConfig({
    fakeBaseUrl: fake.baseUrl,
    postgresUrl: await postgres.createDatabase('meridian_journal_disk'),
    nodeId: 'node-a',
    nodesExpected: 1,
    orgs: { disk: '1.00' },
    billing: '{ reconcile_interval_ms: 500 }',
  });
  const node = await startGatewayProcess({
    configYaml,
    directory: disk.path,
    env: { MERIDIAN_KEY_PEPPER: clusterPepper, MERIDIAN_LOG_LEVEL: 'info' },
  });
  cleanups.push(() => node.stop());
  return { disk, fake, node, key: await createKey(node.url, 'disk') };
}

async function readJournalDegraded(node: GatewayProcess): Promise<string | undefined> {
  const page = await (
    await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
  ).text();
  return /^meridian_degraded\{component="journal"\} (\d+)$/m.exec(page)?.[1];
}

async function awaitReadiness(node: GatewayProcess, status: number): Promise<void> {
  let readiness = 0;
  for (let attempt = 0; attempt < 80 && readiness !== status; attempt += 1) {
    readiness = (await fetch(`${node.url}/readyz`)).status;
    if (readiness !== status) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(readiness).toBe(status);
}

describe.skipIf(skipReason !== undefined)('a cluster node whose journal disk is full', () => {
  it('settles the running stream in PostgreSQL, refuses new paid calls before any upstream request, and recovers', async () => {
    const { disk, fake, node, key } = await startNode();
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    expect((await callMetered(node.url, key)).status).toBe(200);
    await awaitJournalsDrained([node]);

    // A stream admitted while there is room; the disk fills before it ends.
    const script = streamScript('openai', { text: ['a', 'b', 'c', 'd', 'e', 'f'], usage });
    if (script.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
    fake.enqueue({ ...script, frameDelayMs: 200 });
    const stream = await fetch(`${node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/metered',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 50,
      }),
    });
    expect(stream.status).toBe(200);
    const filler = join(disk.path, 'filler');
    writeFiller(filler, undefined);
    const payloads = await readSseData(stream);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((data) => JSON.parse(data) as { usage?: { cost?: number } });
    expect(chunks.at(-1)?.usage?.cost).toBe(Number(renderNanos(callCostNanos)));
    expect(fake.received).toHaveLength(2);

    // New paid calls: refused before the provider, in the client's shape, and the node says it is not ready.
    const refused = await fetch(`${node.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { type: string; code: string } }).error).toMatchObject({
      type: 'overloaded_error',
      code: 'ledger_unavailable',
    });
    expect(await callMetered(node.url, key)).toEqual({ status: 503, id: undefined });
    expect(fake.received).toHaveLength(2);
    await awaitReadiness(node, 503);
    expect(await readJournalDegraded(node)).toBe('1');
    expect(node.output.join('')).toMatch(/"event":"journal_unwritable","detail":"ENOSPC/);

    // Room again: the probe finds it, the node serves by itself.
    rmSync(filler);
    await awaitReadiness(node, 200);
    expect(await readJournalDegraded(node)).toBe('0');
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    expect((await callMetered(node.url, key)).status).toBe(200);
    await awaitJournalsDrained([node]);

    const charged = 3n * callCostNanos;
    expect(await readCredits(node.url, key)).toEqual({
      total_credits: 1,
      total_credits_nanos: '1000000000',
      total_usage: renderNanos(charged),
      total_usage_nanos: String(charged),
      held: 0,
      held_nanos: '0',
      available: renderNanos(1_000_000_000n - charged),
      available_nanos: String(1_000_000_000n - charged),
      org_id: 'disk',
    });
    const report = await verifyClusterLedger(node);
    expect(report).toContain('INV-8');
    expect(report).not.toContain('✗');
  }, 120_000);
});
