import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * SIGTERM while calls wait for their upstream: a JSON call (or a stream before its first byte) is a call in flight
 * too. One that answers within the drain bound is answered and charged; one still waiting at the bound gets 503
 * `shutting_down` (nothing was delivered, nothing is charged), never a connection closed under it.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const drainMs = 1_500;
let fake: FakeUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  fake = await createFakeUpstream();
});

afterAll(async () => {
  await fake.close();
});

afterEach(async () => {
  await gateway.stop();
  gateway.cleanup();
  fake.reset();
});

const embeddingsModel = `  - id: test/embed
    name: Embed
    author: test
    origin: US
    context_length: 8192
    output_modalities: [embeddings]
    endpoints:
      - { provider: fake-metered, model: embed-upstream, pricing: { prompt: "1.00", completion: "0" } }
`;

function startGateway(shutdownDrainMs: number): Promise<GatewayProcess> {
  const configYaml = createCreditsConfig(fake.baseUrl, { default: '5.00' })
    .replace(
      'server: { host: 127.0.0.1, port: 0 }',
      `server: { host: 127.0.0.1, port: 0, shutdown_drain_ms: ${shutdownDrainMs} }`,
    )
    .replace('models:\n', `models:\n${embeddingsModel}`);
  return startGatewayProcess({ configYaml, env: { MERIDIAN_LOG_LEVEL: 'info' } });
}

async function waitForRequests(count: number): Promise<void> {
  for (let attempt = 0; attempt < 100 && fake.received.length < count; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(fake.received).toHaveLength(count);
}

/** `ledger verify` passes and `credits balance default` prints `expected`. */
async function expectBooks(expected: string): Promise<void> {
  const configPath = join(gateway.directory, 'meridian.yaml');
  const env = { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' };
  const { stdout: verified } = await run(process.execPath, [mainPath, 'ledger', 'verify', '--config', configPath], {
    env,
  });
  expect(verified).not.toContain('✗');
  const { stdout: balance } = await run(
    process.execPath,
    [mainPath, 'credits', 'balance', 'default', '--config', configPath],
    { env },
  );
  expect(balance).toBe(expected);
}

function post(body: Record<string, unknown>, path = '/v1/chat/completions'): Promise<{ status: number; text: string }> {
  const call = path === '/v1/embeddings' ? {} : { model: 'test/metered', messages: [{ role: 'user', content: 'hi' }] };
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...call, ...body }),
  }).then(
    async (response) => ({ status: response.status, text: await response.text() }),
    (error: unknown) => ({ status: 0, text: String(error) }),
  );
}

describe('SIGTERM with calls waiting for their upstream', () => {
  it('answers the JSON call that completes within the drain bound, 503 shutting_down for the rest, settled', async () => {
    const answer = {
      id: 'up-1',
      object: 'chat.completion',
      created: 1,
      model: 'metered-upstream',
      choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    };
    gateway = await startGateway(drainMs);
    fake.enqueue({ kind: 'json', body: answer, delayMs: 600 });
    fake.enqueue({ kind: 'hang' });
    fake.enqueue({ kind: 'hang' });
    fake.enqueue({ kind: 'hang' });
    const quick = post({ max_tokens: 100 });
    await waitForRequests(1);
    const slow = post({ max_tokens: 100 });
    await waitForRequests(2);
    const silentStream = post({ max_tokens: 100, stream: true });
    await waitForRequests(3);
    const embeddings = post({ model: 'test/embed', input: ['hi'] }, '/v1/embeddings');
    await waitForRequests(4);
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    const [quickResult, slowResult, streamResult, embeddingsResult] = await Promise.all([
      quick,
      slow,
      silentStream,
      embeddings,
    ]);
    expect(await exited).toBe(0);

    expect(quickResult.status).toBe(200);
    const quickBody = JSON.parse(quickResult.text) as { usage: { total_tokens: number; cost: number } };
    // 10 prompt × 1 000 + 5 completion × 2 000 nano-USD.
    expect([quickBody.usage.total_tokens, quickBody.usage.cost]).toEqual([15, 0.00002]);
    for (const result of [slowResult, streamResult, embeddingsResult]) {
      expect(result.status).toBe(503);
      expect((JSON.parse(result.text) as { error: { code: string } }).error.code).toBe('shutting_down');
    }

    // Only the answered call is charged; nothing is left held.
    await expectBooks('granted 5\ncharged 0.00002\nheld 0\navailable 4.99998\n');
  });
});

describe('a second SIGTERM during the drain', () => {
  it('stops the open calls at once, as at the bound, settles them and exits 0', async () => {
    gateway = await startGateway(600_000);
    const frames = Array.from(
      { length: 60 },
      () =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] })}\n\n`,
    );
    fake.enqueue({ kind: 'hang' });
    fake.enqueue({ kind: 'sse', frames, frameDelayMs: 500 });
    const waiting = post({ max_tokens: 100 });
    const streaming = post({ max_tokens: 100, stream: true });
    await waitForRequests(2);
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    for (let attempt = 0; attempt < 200 && !gateway.output.join('').includes('"event":"shutdown"'); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    gateway.child.kill('SIGTERM');
    const [waitingResult, streamResult] = await Promise.all([waiting, streaming]);
    // Well before the 10-minute drain bound (the test's own timeout would fail first).
    expect(await exited).toBe(0);

    expect(waitingResult.status).toBe(503);
    expect((JSON.parse(waitingResult.text) as { error: { code: string } }).error.code).toBe('shutting_down');
    expect(streamResult.status).toBe(200);
    expect(streamResult.text).toContain('"code":"shutting_down"');
    expect(gateway.output.join('')).toContain('"event":"shutdown_hurried","signal":"SIGTERM"');
    // The cut stream is charged for what it delivered; nothing is left held.
    const { stdout: balance } = await run(
      process.execPath,
      [mainPath, 'credits', 'balance', 'default', '--config', join(gateway.directory, 'meridian.yaml')],
      { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
    );
    expect(balance).toContain('held 0\n');
    await expectBooks(balance);
  });
});

describe('keep-alive during the drain', () => {
  it('answers the calls in flight with connection: close, so a proxy sends the next call elsewhere', async () => {
    gateway = await startGateway(drainMs);
    const answer = {
      id: 'up-2',
      object: 'chat.completion',
      created: 1,
      model: 'metered-upstream',
      choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    };
    fake.enqueue({ kind: 'json', body: answer, delayMs: 600 });
    const agent = new Agent({ keepAlive: true });
    const answered = new Promise<{ status: number | undefined; connection: string | undefined }>((resolve, reject) => {
      const outgoing = request(
        `${gateway.url}/v1/chat/completions`,
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
        },
        (incoming) => {
          incoming.resume();
          incoming.on('end', () => resolve({ status: incoming.statusCode, connection: incoming.headers.connection }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }] }));
    });
    await waitForRequests(1);
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    expect(await answered).toEqual({ status: 200, connection: 'close' });
    expect(await exited).toBe(0);
    agent.destroy();
  });
});
