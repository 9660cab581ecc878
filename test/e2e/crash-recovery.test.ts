import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { Scenario } from '../fake-upstream/create-fake-upstream.js';
import { streamScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { createMemberKey, readGeneration } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * kill -9 mid-stream, then restart: the call's hold was never settled; the reconciler
 * resolves it by the documented rule (usage unknown → charge 0, the whole hold back)
 * and the ledger verifies.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
const fake = await createFakeUpstream();
const gateways: GatewayProcess[] = [];

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  gateways[0]?.cleanup();
  await fake.close();
});

function config(): string {
  // Holds live 500 ms here (default: longer than any call), so a restart can reconcile at once.
  return `${createCreditsConfig(fake.baseUrl, { default: '1.00' })}billing: { hold_ttl_ms: 500, hold_grace_ms: 0 }\n`;
}

describe('a crash mid-stream', () => {
  it('leaves a hold the reconciler gives back after restart; the ledger verifies', async () => {
    const first = await startGatewayProcess({ configYaml: config() });
    gateways.push(first);
    const key = (await createMemberKey(first.url, 'crash')).key;
    const chunk = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] })}\n\n`;
    fake.enqueue({ kind: 'sse', frames: [chunk], holdAfter: 1 });
    const response = await fetch(`${first.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/metered',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        max_tokens: 50,
      }),
    });
    await response.body!.getReader().read();
    const held = (await (
      await fetch(`${first.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: Record<string, number>;
    };
    expect(held.data['held']).toBeGreaterThan(0);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 600));

    const second = await startGatewayProcess({ configYaml: config(), directory: first.directory });
    gateways.push(second);
    const after = (await (
      await fetch(`${second.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: Record<string, number>;
    };
    expect(after.data).toMatchObject({ held: 0, total_usage: 0, available: 1, total_credits: 1 });
    const { stdout } = await run(
      process.execPath,
      [mainPath, 'ledger', 'verify', '--config', join(first.directory, 'meridian.yaml')],
      {
        env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' },
      },
    );
    expect(stdout).toContain('INV-5');
    expect(stdout).not.toContain('✗');
  });
});

describe('a call longer than its hold’s TTL', () => {
  it('keeps its hold (renewed while it runs) and is charged in full when it ends; the ledger verifies', async () => {
    // Holds of 300 ms swept every 100 ms, and a stream of about 1.2 s: without renewal the reconciler would expire the
    // hold mid-stream and the call would be served for nothing.
    const configYaml = `${createCreditsConfig(fake.baseUrl, { default: '1.00' })}billing: { hold_ttl_ms: 300, hold_grace_ms: 0, reconcile_interval_ms: 100 }\n`;
    const gateway = await startGatewayProcess({ configYaml });
    gateways.push(gateway);
    const key = (await createMemberKey(gateway.url, 'long-stream')).key;
    const script = {
      text: ['One ', 'two ', 'three ', 'four ', 'five ', 'six.'],
      usage: { input: 10, cached: 0, output: 6, reasoning: 0 },
    };
    fake.enqueue({ ...streamScript('openai', script), frameDelayMs: 200 } as Scenario);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/metered',
        messages: [{ role: 'user', content: 'count' }],
        stream: true,
        max_tokens: 50,
      }),
    });
    expect(await response.text()).toContain('six.');
    const id = response.headers.get('x-meridian-generation-id')!;
    const generation = await readGeneration(gateway.url, key, id);
    // 10 prompt tokens × 1 000 + 6 completion tokens × 2 000 nano-USD.
    expect(generation).toMatchObject({ ending: 'success', cost_nanos: '22000' });
    const credits = (await (
      await fetch(`${gateway.url}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { data: Record<string, unknown> };
    expect(credits.data).toMatchObject({ held_nanos: '0', total_usage_nanos: '22000' });
    const { stdout } = await run(
      process.execPath,
      [mainPath, 'ledger', 'verify', '--config', join(gateway.directory, 'meridian.yaml')],
      { env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent' } },
    );
    expect(stdout).not.toContain('✗');
  });
});
