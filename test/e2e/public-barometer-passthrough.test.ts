import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { postChat, readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * A passthrough provider serves any `<provider>/<model>` a client types, and that name may be private (a fine-tune
 * id, a customer's name). The keyless barometer groups every model outside the catalog under `unlisted`, in the
 * rankings and the series; a key (here the admin's) still sees each name.
 */

let fake: FakeUpstream;
let gateway: GatewayProcess;
let key: string;
let passthroughId: string;
const privateNames = ['local/acme-corp-finetune', 'local/ft:customer-7'] as const;

function config(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
barometer: { public: true }
providers:
  - { id: fake-us, protocol: openai, base_url: ${fakeBaseUrl}, api_key: secret-us }
  - id: local
    protocol: openai
    base_url: ${fakeBaseUrl}
    api_key: secret-local
    passthrough_models: true
    passthrough_pricing: { prompt: "1.00", completion: "2.00" }
models:
  - id: west/alpha
    name: Alpha
    author: west
    origin: US
    context_length: 131072
    endpoints: [{ provider: fake-us, model: alpha, pricing: { prompt: "1.00", completion: "2.00" } }]
orgs:
  - { id: acme, credits: "1.00" }
`;
}

async function call(key: string, model: string, tokens: { input: number; output: number }): Promise<string> {
  fake.enqueue(completeScript('openai', { text: ['ok'], usage: { ...tokens, cached: 0, reasoning: 0 } }));
  const response = await postChat(gateway.url, key, { model, messages: [{ role: 'user', content: 'hi' }] });
  expect(response.status).toBe(200);
  await response.text();
  return response.headers.get('x-meridian-generation-id')!;
}

async function get(path: string, key?: string): Promise<{ text: string; data: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, data: (JSON.parse(text) as { data: Record<string, unknown> }).data };
}

type Rows = { rows: { key: string; value: number; share: number }[]; total: number; others: { value: number } };
type Series = { keys: string[]; points: { key: string; value: number }[] };

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
  const created = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'acme-key', org_id: 'acme' }),
  });
  key = ((await created.json()) as { key: string }).key;
  await call(key, 'west/alpha', { input: 100, output: 50 });
  passthroughId = await call(key, privateNames[0], { input: 30, output: 10 });
  await call(key, privateNames[1], { input: 5, output: 5 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

describe('the public barometer and passthrough model names', () => {
  it('records a passthrough call as its server reported it (its window is unknown, not 0 tokens)', async () => {
    expect(await readGeneration(gateway.url, key, passthroughId)).toMatchObject({
      model: privateNames[0],
      native_tokens_prompt: 30,
      native_tokens_completion: 10,
      usage_estimated: false,
      cost_nanos: String(30 * 1_000 + 10 * 2_000),
    });
  });

  it('ranks models outside the catalog together under "unlisted", naming none of them', async () => {
    const { text, data } = await get('/api/v1/rankings?period=week&by=model');
    const rankings = data as unknown as Rows;
    expect(rankings.total).toBe(200);
    expect(rankings.rows.map((row) => [row.key, row.value, row.share])).toEqual([
      ['west/alpha', 150, 0.75],
      ['unlisted', 50, 0.25],
    ]);
    expect(rankings.others.value).toBe(0);
    for (const name of privateNames) expect(text).not.toContain(name.slice('local/'.length));
  });

  it('stacks the series the same way', async () => {
    const { text, data } = await get('/api/v1/rankings/series?interval=week&count=1&stack_by=model');
    const series = data as unknown as Series;
    expect(series.keys).toEqual(['west/alpha', 'unlisted']);
    expect(series.points.map((point) => [point.key, point.value])).toEqual([
      ['west/alpha', 150],
      ['unlisted', 50],
    ]);
    for (const name of privateNames) expect(text).not.toContain(name.slice('local/'.length));
  });

  it('still shows every name to a key', async () => {
    const rankings = (await get('/api/v1/rankings?period=week&by=model', testAdminKey)).data as unknown as Rows;
    expect(rankings.rows.map((row) => [row.key, row.value])).toEqual([
      ['west/alpha', 150],
      [privateNames[0], 40],
      [privateNames[1], 10],
    ]);
    const series = (await get('/api/v1/rankings/series?interval=week&count=1&stack_by=model', testAdminKey))
      .data as unknown as Series;
    expect(series.keys).toEqual(['west/alpha', ...privateNames]);
  });

  it('keeps the other dimensions as they are (a passthrough model’s author is its provider)', async () => {
    const rankings = (await get('/api/v1/rankings?period=week&by=author')).data as unknown as Rows;
    expect(rankings.rows.map((row) => [row.key, row.value])).toEqual([
      ['west', 150],
      ['local', 50],
    ]);
  });
});
