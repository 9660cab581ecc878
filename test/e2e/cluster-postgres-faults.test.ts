import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/config/index.js';
import { keyCacheTtlMs } from '../../src/keys/create-key-service.js';
import { renderNanos } from '../../src/metering/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { clusterPepper, createClusterConfig, readJournalDepth } from '../support/cluster-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { readSseData } from '../support/read-sse.js';
import { findPrivatePostgresSkipReason, startPrivatePostgres } from '../support/start-private-postgres.js';
import type { PrivatePostgres } from '../support/start-private-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * PostgreSQL faults in cluster mode (issue #6), on a private server the test stops and freezes: while it cannot
 * answer, new paid calls get 503 `ledger_unavailable` with Retry-After at once (no hang); streams already admitted
 * finish for their clients; their settlements and records wait in the node's journal and are replayed when
 * PostgreSQL is back — every record present, every charge exact, the ledger verifies.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const skipReason = findPrivatePostgresSkipReason();
/** 3 prompt tokens at 1 000 nano-USD and 6 completion tokens at 2 000 → 15 000 nano-USD per stream. */
const usage = { input: 3, cached: 0, output: 6, reasoning: 0 };
const streamCostNanos = 15_000n;
const streamsPerFault = 4;
/** A bound far above the documented ones (admission 2 s, breaker at once): only a hang can exceed it. */
const noHangMs = 10_000;

let fake: FakeUpstream;
let postgres: PrivatePostgres;
let node: GatewayProcess;
let configYaml: string;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  fake = await createFakeUpstream();
  postgres = await startPrivatePostgres();
  const postgresUrl = await postgres.createDatabase('meridian_faults');
  configYaml = createClusterConfig({
    fakeBaseUrl: fake.baseUrl,
    postgresUrl,
    nodeId: 'node-a',
    nodesExpected: 1,
    orgs: { stopped: '1.00', frozen: '1.00', killed: '1.00', terminated: '1.00', once: '1.00' },
    billing: '{ reconcile_interval_ms: 500 }',
  });
  node = await startGatewayProcess({ configYaml, env: { MERIDIAN_KEY_PEPPER: clusterPepper } });
}, 60_000);

afterAll(async () => {
  if (skipReason !== undefined) return;
  await node.stop();
  node.cleanup();
  await postgres.destroy();
  await fake.close();
});

async function createKey(orgId: string): Promise<string> {
  const response = await fetch(`${node.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: orgId, org_id: orgId }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

function startStream(key: string): Promise<Response> {
  return fetch(`${node.url}/v1/chat/completions`, {
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
}

/** The stream's text and the generation id, read to its end. */
async function finishStream(response: Response): Promise<{ text: string; id: string; isDone: boolean }> {
  const payloads = await readSseData(response);
  const chunks = payloads
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as { id: string; choices: { delta?: { content?: string } }[] });
  return {
    text: chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''),
    id: chunks[0]!.id,
    isDone: payloads.at(-1) === '[DONE]',
  };
}

async function verifyLedger(): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [mainPath, 'ledger', 'verify', '--config', join(node.directory, 'meridian.yaml')],
    { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_KEY_PEPPER: clusterPepper } },
  );
  return stdout;
}

/**
 * Streams admitted while PostgreSQL is up; `fault` then takes it away mid-stream; a new call meanwhile must get 503;
 * `recover` brings it back; the journal drains and the books are exact.
 */
async function runFault(orgId: string, fault: () => Promise<void>, recover: () => Promise<void>): Promise<void> {
  const { key, responses } = await startStreams(orgId);
  await fault();

  // A new paid call while the ledger cannot answer: 503 ledger_unavailable, Retry-After, no upstream call, no hang.
  const startedAtMs = Date.now();
  const refused = await fetch(`${node.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  expect(Date.now() - startedAtMs).toBeLessThan(noHangMs);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ledger_unavailable');

  // The streams in flight finish for their clients, whole.
  const finished = await Promise.all(responses.map((response) => finishStream(response)));
  expect(finished.map((stream) => [stream.text, stream.isDone])).toEqual(Array(streamsPerFault).fill(['abcdef', true]));
  expect(fake.received).toHaveLength(streamsPerFault);
  expect(await readJournalDepth(node.url)).toBe(streamsPerFault);

  await recover();
  await awaitReady();
  await awaitJournalDrained();
  await expectExactBooks(orgId, key, finished);
}

/** `streamsPerFault` slow streams admitted for a new key of `orgId` (each 6 text frames, 300 ms apart). */
async function startStreams(orgId: string): Promise<{ key: string; responses: Response[] }> {
  fake.reset();
  const script = streamScript('openai', { text: ['a', 'b', 'c', 'd', 'e', 'f'], usage });
  if (script.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
  for (let index = 0; index < streamsPerFault; index += 1) fake.enqueue({ ...script, frameDelayMs: 300 });
  const key = await createKey(orgId);
  const responses = await Promise.all(Array.from({ length: streamsPerFault }, () => startStream(key)));
  expect(responses.map((response) => response.status)).toEqual(Array(streamsPerFault).fill(200));
  return { key, responses };
}

/** Ready again once the node's ledger breaker lets a probe through and PostgreSQL answers it (bounded polling). */
async function awaitReady(): Promise<void> {
  let readiness = 0;
  for (let attempt = 0; attempt < 80 && readiness !== 200; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    readiness = (await fetch(`${node.url}/readyz`)).status;
  }
  expect(readiness).toBe(200);
}

async function awaitJournalDrained(): Promise<void> {
  let depth = await readJournalDepth(node.url);
  for (let attempt = 0; attempt < 120 && depth !== 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    depth = await readJournalDepth(node.url);
  }
  expect(depth).toBe(0);
}

/** Every stream's record stored with its exact charge, the org's books exact, the ledger verified. */
async function expectExactBooks(
  orgId: string,
  key: string,
  finished: readonly { readonly id: string }[],
): Promise<void> {
  for (const stream of finished) {
    const response = await fetch(`${node.url}/api/v1/generation?id=${stream.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    const record = ((await response.json()) as { data: Record<string, unknown> }).data;
    expect([record['total_cost'], record['tokens_prompt'], record['tokens_completion']]).toEqual([
      renderNanos(streamCostNanos),
      3,
      6,
    ]);
  }
  // The refused call's admission was sent to the frozen server and given up on; it runs when the server thaws, and
  // the node gives that late hold back at once (bounded polling: the release is one round trip after the thaw).
  const readCredits = async (): Promise<{ data: Record<string, unknown> }> =>
    (await (await fetch(`${node.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      data: Record<string, unknown>;
    };
  let credits = await readCredits();
  for (let attempt = 0; attempt < 40 && credits.data['held'] !== 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    credits = await readCredits();
  }
  const charged = BigInt(streamsPerFault) * streamCostNanos;
  expect(credits.data).toEqual({
    total_credits: 1,
    total_credits_nanos: '1000000000',
    total_usage: renderNanos(charged),
    total_usage_nanos: String(charged),
    held: 0,
    held_nanos: '0',
    available: renderNanos(1_000_000_000n - charged),
    available_nanos: String(1_000_000_000n - charged),
    org_id: orgId,
  });
  const report = await verifyLedger();
  expect(report).toContain('INV-8');
  expect(report).not.toContain('✗');
}

/**
 * PostgreSQL stops mid-stream; the streams finish into the journal; the node then goes down with `signal` (SIGTERM:
 * shutdown tries to empty the journal for 5 s and leaves the rest on disk; SIGKILL: nothing runs). PostgreSQL comes
 * back and a new node process starts on the same data directory: it replays the journal before it serves.
 */
async function runRestartWithBacklog(orgId: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const { key, responses } = await startStreams(orgId);
  await postgres.stop();
  const finished = await Promise.all(responses.map((response) => finishStream(response)));
  expect(finished.map((stream) => stream.text)).toEqual(Array(streamsPerFault).fill('abcdef'));
  expect(await readJournalDepth(node.url)).toBe(streamsPerFault);
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill(signal);
  await exited;
  await postgres.start();
  node = await startGatewayProcess({
    configYaml,
    directory: node.directory,
    env: { MERIDIAN_KEY_PEPPER: clusterPepper, MERIDIAN_LOG_LEVEL: 'info' },
  });
  // Scheduled at start, ahead of any new record, and logged with its count; then stored.
  await awaitJournalDrained();
  expect(node.output.join('')).toMatch(new RegExp(`"event":"journal_replayed","recordCount":${streamsPerFault},`));
  await expectExactBooks(orgId, key, finished);
}

describe.skipIf(skipReason !== undefined)('PostgreSQL faults under a cluster-mode node', () => {
  it('stopped mid-stream: 503 for new calls, streams finish, settlements journaled and replayed', async () => {
    await runFault(
      'stopped',
      () => postgres.stop(),
      () => postgres.start(),
    );
  }, 90_000);

  it('frozen (SIGSTOP) mid-stream: 503 for new calls, streams finish, settlements journaled and replayed', async () => {
    await runFault(
      'frozen',
      () => postgres.freeze(),
      () => postgres.thaw(),
    );
  }, 90_000);

  it('a paid call waits for a frozen PostgreSQL once, not once per store call (key, markup, hold)', async () => {
    fake.reset();
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    const key = await createKey('once');
    const call = () =>
      fetch(`${node.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
      });
    expect((await call()).status).toBe(200);
    // Past the node's 5 s caches of the key and the org's markup: the next call reads both, then places its hold.
    await new Promise((resolve) => setTimeout(resolve, keyCacheTtlMs + 500));
    await postgres.freeze();
    const startedAtMs = Date.now();
    const refused = await call();
    const waitedMs = Date.now() - startedAtMs;
    await postgres.thaw();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ledger_unavailable');
    // One wait of ledgerCallTimeoutMs (2 s) and the request's overhead; before, one wait per store call (4 s and more).
    expect(waitedMs).toBeLessThan(limits.ledgerCallTimeoutMs + 1_500);
    expect(fake.received).toHaveLength(1);
    await awaitReady();
    await awaitJournalDrained();
    const report = await verifyLedger();
    expect(report).not.toContain('✗');
  }, 90_000);

  it('a node killed (SIGKILL) with settlements in its journal replays them at its next start', async () => {
    await runRestartWithBacklog('killed', 'SIGKILL');
  }, 90_000);

  it('a node stopped (SIGTERM) while PostgreSQL is down keeps its journal on disk and replays it at its next start', async () => {
    await runRestartWithBacklog('terminated', 'SIGTERM');
  }, 90_000);
});
