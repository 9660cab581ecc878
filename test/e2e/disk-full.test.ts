import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { readCredits } from '../support/cluster-calls.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { createMemberKey, readGeneration, testAdminKey } from '../support/gateway-config.js';
import { findTmpfsSkipReason, mountTmpfs, writeFiller } from '../support/mount-tmpfs.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The embedded node on a disk that fills up (a tmpfs of its own): a node that cannot store a settlement does not make
 * the call. Below the free-space floor, or once a write failed, model calls get 503 `ledger_unavailable` before any
 * upstream request and `/readyz` answers 503; with space back, calls resume by themselves, what the failed commit
 * owed is booked (src/storage/retained-records.ts), and the ledger verifies.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const skipReason = findTmpfsSkipReason();
const mib = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** 10 prompt and 5 completion tokens at 1.00 / 2.00 USD per 1M: 20 000 nano-USD a call. */
const completion: Scenario = {
  kind: 'json',
  body: {
    id: 'chatcmpl-disk',
    object: 'chat.completion',
    created: 1,
    model: 'metered-upstream',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  },
};

async function start(sizeBytes: number, freeBytesMin: number) {
  const disk = mountTmpfs(sizeBytes);
  cleanups.push(() => disk.unmount());
  const fake = await createFakeUpstream();
  cleanups.push(() => fake.close());
  const gateway = await startGatewayProcess({
    // Two endpoints for one model: a settlement that cannot be stored must not fail over to the second.
    configYaml: createCreditsConfig(
      fake.baseUrl,
      { default: '1.00' },
      {
        storageFields: `sqlite_free_bytes_min: ${freeBytesMin}`,
        hasSecondEndpoint: true,
      },
    ),
    directory: disk.path,
    env: { MERIDIAN_LOG_LEVEL: 'info' },
  });
  cleanups.push(() => gateway.stop());
  const { key } = await createMemberKey(gateway.url, 'disk');
  return { disk, fake, gateway, key };
}

function callOpenAi(gateway: GatewayProcess, key: string): Promise<Response> {
  return callMeteredModel(gateway.url, key);
}

async function expectServed(gateway: GatewayProcess, key: string, fake: FakeUpstream): Promise<void> {
  fake.enqueue(completion);
  const response = await callOpenAi(gateway, key);
  expect([response.status, ((await response.json()) as { usage: unknown }).usage]).toMatchObject([
    200,
    { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 0.00002 },
  ]);
}

/** Polls `/readyz` (bounded: 100 × 100 ms) until it answers `status`; returns its body. */
async function waitForReadiness(gateway: GatewayProcess, status: number): Promise<unknown> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const response = await fetch(`${gateway.url}/readyz`);
    const body: unknown = await response.json();
    if (response.status === status) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/readyz never answered ${status}`);
}

const unwritableMessage =
  'The gateway cannot write its database right now (disk full, read-only or failing); nothing was charged. ' +
  'Retry shortly.';

/** Expects the refusal; returns the call's generation id (set when the call was recorded, absent when refused first). */
async function expectRefusedOpenAi(gateway: GatewayProcess, key: string): Promise<string | null> {
  const response = await callOpenAi(gateway, key);
  expect([response.status, response.headers.get('retry-after'), await response.json()]).toEqual([
    503,
    '1',
    {
      error: {
        message: unwritableMessage,
        type: 'server_error',
        code: 'ledger_unavailable',
        param: null,
        request_id: expect.any(String),
      },
    },
  ]);
  return response.headers.get('x-meridian-generation-id');
}

/** A stream of 10 prompt and 5 completion tokens (20 000 nano-USD) that the provider holds open after its first text. */
function heldStream(): Scenario {
  const scenario = streamScript('openai', {
    text: ['kept', ' going'],
    usage: { input: 10, cached: 0, output: 5, reasoning: 0 },
  });
  if (scenario.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
  return { ...scenario, holdAfter: 2 };
}

function callStream(gateway: GatewayProcess, key: string): Promise<Response> {
  return callMeteredModel(gateway.url, key, { stream: true, stream_options: { include_usage: true } });
}

/** Reads a stream's body to its end or its break: the text received, and whether the body ended cleanly. */
async function readUntilEnd(response: Response): Promise<{ text: string; isComplete: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value);
    return { text, isComplete: true };
  } catch {
    return { text, isComplete: false };
  }
}

/** `meridian_spend_usd_total` of test/metered over every provider, in nano-USD. */
async function readMeteredSpendNanos(gateway: GatewayProcess): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
  return (await response.text())
    .split('\n')
    .filter((line) => line.startsWith('meridian_spend_usd_total{model="test/metered"'))
    .reduce((total, line) => total + Math.round(Number(line.slice(line.lastIndexOf(' ') + 1)) * 1e9), 0);
}

function countEvents(gateway: GatewayProcess, event: string): number {
  return gateway.output.join('').split(`"event":"${event}"`).length - 1;
}

/** Waits (bounded: 50 × 100 ms) until the gateway has logged `event` `count` times. */
async function waitForEvents(gateway: GatewayProcess, event: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 50 && countEvents(gateway, event) < count; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(countEvents(gateway, event)).toBe(count);
}

/**
 * Waits (bounded: 50 × 100 ms) until the key's org holds nothing: the hold of the call that was lost is released by a
 * retry once the database can be written, not after its TTL (over an hour by default, as here).
 */
async function waitForNoHold(gateway: GatewayProcess, key: string): Promise<unknown> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const credits = await readCredits(gateway.url, key);
    if (credits['held'] === 0) return credits;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('a hold was never released');
}

async function expectLedgerVerifies(gateway: GatewayProcess): Promise<void> {
  await gateway.stop();
  const { stdout } = await run(process.execPath, [
    mainPath,
    'ledger',
    'verify',
    '--config',
    join(gateway.directory, 'meridian.yaml'),
  ]);
  expect(stdout).toContain('INV-5');
  expect(stdout).not.toContain('✗');
}

function readStorageEvents(gateway: GatewayProcess): unknown[] {
  return gateway.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('"event":"storage_'))
    .map((line) => {
      const entry = JSON.parse(line) as { event: string; reason?: string };
      return entry.reason === undefined ? entry.event : `${entry.event}:${entry.reason}`;
    });
}

describe.skipIf(skipReason !== undefined)('an embedded node whose disk fills up', () => {
  it('refuses calls below the free-space floor before any upstream request, and resumes when space is back', async () => {
    const { disk, fake, gateway, key } = await start(48 * mib, 16 * mib);
    await expectServed(gateway, key, fake);

    const filler = join(disk.path, 'filler');
    writeFiller(filler, disk.freeBytes() - 8 * mib);
    expect(await waitForReadiness(gateway, 503)).toMatchObject({
      status: 'unavailable',
      checks: { storage: 'unavailable' },
    });
    await expectRefusedOpenAi(gateway, key);
    const anthropic = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'test/metered', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect([anthropic.status, anthropic.headers.get('retry-after'), await anthropic.json()]).toMatchObject([
      503,
      '1',
      { type: 'error', error: { type: 'overloaded_error', code: 'ledger_unavailable', message: unwritableMessage } },
    ]);
    expect(fake.received).toHaveLength(1);

    rmSync(filler);
    await waitForReadiness(gateway, 200);
    await expectServed(gateway, key, fake);
    expect(fake.received).toHaveLength(2);
    expect(await readCredits(gateway.url, key)).toMatchObject({ held: 0, total_usage: 0.00004, available: 0.99996 });
    expect(readStorageEvents(gateway)).toEqual(['storage_unwritable:disk_low', 'storage_writable']);
    await expectLedgerVerifies(gateway);
  });

  it('stops calling upstream after a write fails for lack of space, books what it owes once it can, and resumes', async () => {
    const { disk, fake, gateway, key } = await start(24 * mib, 0);
    await expectServed(gateway, key, fake);
    // A stream under way when the disk fills: the client has its first text; the provider holds the rest.
    fake.enqueue(heldStream());
    const streaming = await callStream(gateway, key);
    await fake.waitForHold();

    const filler = join(disk.path, 'filler');
    writeFiller(filler, undefined);
    // This call reached the provider before its settlement could not be stored: 503, no charge, no second endpoint.
    fake.enqueue(completion);
    fake.enqueue(completion);
    const refusedId = await expectRefusedOpenAi(gateway, key);
    expect(refusedId).toMatch(/^gen-/);
    expect(fake.received).toHaveLength(3);
    // From now on nothing goes upstream until the database can be written again.
    expect(await expectRefusedOpenAi(gateway, key)).toBeNull();
    expect(fake.received).toHaveLength(3);
    // The provider finishes the stream with the disk still full: the client gets all the text, but not the end (usage
    // and [DONE] wait for the commit); the record waits in memory with the refused call's.
    fake.release();
    const streamed = await readUntilEnd(streaming);
    expect(streamed.text).toContain('"content":" going"');
    expect([streamed.text.includes('[DONE]'), streamed.isComplete]).toEqual([false, false]);
    const streamId = /"id":"(gen-[^"]+)"/.exec(streamed.text)?.[1] ?? '';
    await waitForEvents(gateway, 'generation_records_kept', 2);
    // A management write says the same, not 500 internal_error.
    const keyCreation = await fetch(`${gateway.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no room' }),
    });
    expect([keyCreation.status, ((await keyCreation.json()) as { error: { code: string } }).error.code]).toEqual([
      503,
      'ledger_unavailable',
    ]);
    expect(await waitForReadiness(gateway, 503)).toMatchObject({ checks: { storage: 'unavailable' } });

    rmSync(filler);
    await waitForReadiness(gateway, 200);
    fake.reset();
    await expectServed(gateway, key, fake);
    expect(fake.received).toHaveLength(1);
    // Both kept records are stored within seconds: the stream is charged, the refused call is not, but its cost is booked.
    await waitForEvents(gateway, 'generation_records_stored_on_retry', 1);
    expect(await waitForNoHold(gateway, key)).toMatchObject({ held: 0, total_usage: 0.00006, available: 0.99994 });
    // The metrics count what was stored late too: the same 60 000 nano-USD the ledger charged.
    expect(await readMeteredSpendNanos(gateway)).toBe(60_000);
    expect(await readGeneration(gateway.url, key, streamId)).toMatchObject({
      ending: 'error',
      error_code: 'ledger_unavailable',
      cost_nanos: '20000',
      upstream_cost_nanos: '20000',
      tokens_completion: 5,
    });
    expect(await readGeneration(gateway.url, key, refusedId ?? '')).toMatchObject({
      ending: 'error',
      error_code: 'ledger_unavailable',
      cost_nanos: '0',
      upstream_cost_nanos: '20000',
      tokens_completion: 5,
    });
    // Whichever came first settled the refused call's hold: its release on retry, or its kept record.
    expect(countEvents(gateway, 'hold_released_on_retry')).toBeLessThanOrEqual(1);
    expect(readStorageEvents(gateway)).toEqual([
      'storage_unwritable:write_failed',
      'storage_write_failed',
      'storage_writable',
    ]);
    await expectLedgerVerifies(gateway);
  });
});
