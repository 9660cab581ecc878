import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderNanos } from '../../src/metering/index.js';
import { openSqliteDatabase } from '../../src/storage/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { readCredits } from '../support/cluster-calls.js';
import { callMeteredModel, createCreditsConfig } from '../support/credits-config.js';
import { createMemberKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';

/**
 * An embedded node whose database another process holds the write lock of for seconds (an operator's open `sqlite3`
 * transaction, a tool next to the node). SQLite waits for a lock synchronously, and the node used to wait up to 5 s
 * per write: every stream of the node and even `/healthz` stopped that long, again at each retry while the lock was
 * held. Now a write waits at most `limits.sqliteServeBusyTimeoutMs` (250 ms) and then counts as failed: new calls get
 * 503 `ledger_unavailable`, the node keeps answering, what the calls owe is booked once the lock is gone, and the
 * ledger verifies.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
/** 3 prompt tokens at 1 000 nano-USD and 6 completion tokens at 2 000 → 15 000 nano-USD per call. */
const usage = { input: 3, cached: 0, output: 6, reasoning: 0 };
const callCostNanos = 15_000n;
/** Far above the documented 250 ms wait and far below the 5 s one: only a node frozen on the lock exceeds it. */
const answerBoundMs = 2_000;
const lockHeldMs = 8_000;

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('an embedded node whose database another process keeps locked', () => {
  it('keeps answering while the lock is held, refuses new calls, and books what it owes once the lock is gone', async () => {
    const fake = await createFakeUpstream();
    cleanups.push(() => fake.close());
    const node = await startGatewayProcess({ configYaml: createCreditsConfig(fake.baseUrl, { default: '1.00' }) });
    cleanups.push(() => node.stop());
    const { key } = await createMemberKey(node.url, 'locked');
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    expect((await callMeteredModel(node.url, key)).status).toBe(200);

    // A stream running when the lock is taken; it ends while the lock is held.
    const script = streamScript('openai', { text: ['a', 'b', 'c', 'd', 'e', 'f'], usage });
    if (script.kind !== 'sse') throw new Error('an OpenAI stream script is SSE');
    fake.enqueue({ ...script, frameDelayMs: 200 });
    const stream = await callMeteredModel(node.url, key, { stream: true, stream_options: { include_usage: true } });
    expect(stream.status).toBe(200);
    const streamBody = stream.text().catch(() => 'cut');

    const other = openSqliteDatabase({ path: join(node.directory, 'meridian.db') });
    other.prepare('BEGIN IMMEDIATE').run();
    const lockedAtMs = Date.now();
    const slowestAnswersMs: number[] = [];
    let refused: Response | undefined;
    try {
      while (Date.now() - lockedAtMs < lockHeldMs) {
        const sentAtMs = Date.now();
        expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
        slowestAnswersMs.push(Date.now() - sentAtMs);
        if (refused === undefined && Date.now() - lockedAtMs > 3_000) refused = await callMeteredModel(node.url, key);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(Math.max(...slowestAnswersMs)).toBeLessThan(answerBoundMs);
    expect(refused?.status).toBe(503);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('ledger_unavailable');
    expect(fake.received).toHaveLength(2);
    await streamBody;

    // The lock gone: the probe finds the database writable, the node serves, the stream's settlement is booked.
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt += 1) {
      status = (await fetch(`${node.url}/readyz`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    fake.enqueue(completeScript('openai', { text: ['ok'], usage }));
    expect((await callMeteredModel(node.url, key)).status).toBe(200);
    let credits = await readCredits(node.url, key);
    for (let attempt = 0; attempt < 40 && credits['held'] !== 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      credits = await readCredits(node.url, key);
    }
    const charged = 3n * callCostNanos;
    expect([credits['total_usage_nanos'], credits['held_nanos']]).toEqual([String(charged), '0']);
    expect(credits['total_usage']).toBe(renderNanos(charged));
    await node.stop();
    const { stdout } = await run(process.execPath, [
      mainPath,
      'ledger',
      'verify',
      '--config',
      join(node.directory, 'meridian.yaml'),
    ]);
    expect(stdout).toContain('INV-5');
    expect(stdout).not.toContain('✗');
  }, 60_000);
});
