import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { readSseData } from '../support/read-sse.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * SIGTERM with 100 streams open (issue #8): streams that finish within the drain bound
 * finish; the rest end with an in-band `shutting_down` error frame, are billed for what
 * they delivered, the process exits, and the ledger verifies with nothing held.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const drainMs = 1_500;
let fake: FakeUpstream;
let gateway: GatewayProcess;

const chunk = (text: string): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
const finish = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\ndata: [DONE]\n\n`;

beforeAll(async () => {
  fake = await createFakeUpstream();
  const configYaml = `${createCreditsConfig(fake.baseUrl, { default: '5.00' })}`.replace(
    'server: { host: 127.0.0.1, port: 0 }',
    `server: { host: 127.0.0.1, port: 0, shutdown_drain_ms: ${drainMs} }`,
  );
  gateway = await startGatewayProcess({ configYaml });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

describe('SIGTERM during 100 open streams', () => {
  it('finishes the short ones, ends the rest in-band within the bound, and the ledger verifies', async () => {
    // 40 streams finish within the drain bound (5 frames, 100 ms apart); 60 would take 30 s (60 frames, 500 ms).
    for (let index = 0; index < 100; index += 1) {
      const isShort = index % 5 < 2;
      const frames = isShort
        ? [...Array.from({ length: 4 }, () => chunk(' word')), finish]
        : [...Array.from({ length: 59 }, () => chunk(' word')), finish];
      fake.enqueue({ kind: 'sse', frames, frameDelayMs: isShort ? 100 : 500 });
    }
    const streams = Array.from({ length: 100 }, () =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'test/metered',
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
          max_tokens: 100,
        }),
      }).then(async (response) => ({ status: response.status, data: await readSseData(response) })),
    );
    // Every stream has started before the signal.
    for (let attempt = 0; attempt < 100 && fake.received.length < 100; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fake.received).toHaveLength(100);
    const signalledAtMs = Date.now();
    const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    const results = await Promise.all(streams);
    await exited;
    // Drain bound + settle bound + the process's own exit: far below the 30 s the long streams wanted.
    expect(Date.now() - signalledAtMs).toBeLessThan(drainMs + 2_000 + 3_000);

    const endedInBand = results.filter((result) => result.data.some((data) => data.includes('"code":"shutting_down"')));
    const finished = results.filter((result) => result.data.at(-1) === '[DONE]' && !endedInBand.includes(result));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(finished).toHaveLength(40);
    expect(endedInBand).toHaveLength(60);

    const { stdout } = await run(
      process.execPath,
      [mainPath, 'ledger', 'verify', '--config', join(gateway.directory, 'meridian.yaml')],
      { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
    );
    expect(stdout).not.toContain('✗');
    const { stdout: balance } = await run(
      process.execPath,
      [mainPath, 'credits', 'balance', 'default', '--config', join(gateway.directory, 'meridian.yaml')],
      { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
    );
    // Nothing left held: every stream, finished or cut, was settled before the process exited.
    expect(balance).toContain('held 0\n');
  });
});
