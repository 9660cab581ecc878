import { afterAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createGatewayConfig, createMemberKey, readGeneration } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';

const fakePromise = createFakeUpstream();
afterAll(async () => (await fakePromise).close());

describe('generation records', () => {
  it('survive a SIGKILL right after the response finished', async () => {
    const fake = await fakePromise;
    const config = createGatewayConfig(fake.baseUrl);
    const first = await startGatewayProcess({ configYaml: config });
    const key = (await createMemberKey(first.url, 'durable')).key;
    fake.enqueue({
      kind: 'json',
      body: {
        id: 'up-1',
        choices: [{ index: 0, message: { role: 'assistant', content: 'kept' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 7, completion_tokens: 1 },
      },
    });
    const response = await fetch(`${first.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/fake-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const id = ((await response.json()) as { id: string }).id;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    const second = await startGatewayProcess({ configYaml: config, directory: first.directory });
    try {
      // 7 × 0.28 + 1 × 0.42 per 1M tokens = 1 960 + 420 nano-USD.
      expect(await readGeneration(second.url, key, id)).toMatchObject({
        id,
        ending: 'success',
        tokens_prompt: 7,
        tokens_completion: 1,
        cost_nanos: '2380',
      });
    } finally {
      await second.stop();
      second.cleanup();
    }
  });
});

describe('dashboard placeholder', () => {
  it('is served by the gateway with its own script and no third-party resources', async () => {
    const fake = await fakePromise;
    const gateway = await startGatewayProcess({ configYaml: createGatewayConfig(fake.baseUrl) });
    try {
      const page = await fetch(`${gateway.url}/`);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain('<script src="/dashboard/app.js" type="module"></script>');
      expect(html).not.toMatch(/(src|href)="https?:/);
      const script = await fetch(`${gateway.url}/dashboard/app.js`);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await script.text()).toContain("from './pages/models.js'");
    } finally {
      await gateway.stop();
      gateway.cleanup();
    }
  });
});
