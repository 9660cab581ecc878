import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * The barometer over HTTP: calls from two orgs and two apps land in the rollups as
 * they settle; rankings and activity answer exactly, and no key sees another org's
 * usage (a member's rankings and activity are its own org's, whatever it asks).
 */

const run = promisify(execFile);
let fake: FakeUpstream;
let gateway: GatewayProcess;

function config(fakeBaseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
providers:
  - { id: fake-us, protocol: openai, base_url: ${fakeBaseUrl}, api_key: secret-us }
  - { id: fake-cn, protocol: openai, base_url: ${fakeBaseUrl}, api_key: secret-cn }
models:
  - id: west/alpha
    name: Alpha
    author: west
    origin: US
    context_length: 131072
    endpoints: [{ provider: fake-us, model: alpha, pricing: { prompt: "1.00", completion: "2.00" } }]
  - id: east/beta
    name: Beta
    author: east
    origin: CN
    context_length: 131072
    endpoints: [{ provider: fake-cn, model: beta, pricing: { prompt: "0.50", completion: "1.00" } }]
orgs:
  - { id: acme, credits: "1.00" }
  - { id: rival, credits: "1.00" }
`;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

async function createKey(org: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${org}-key`, org_id: org }),
  });
  return ((await response.json()) as { key: string }).key;
}

async function call(key: string, model: string, tokens: { input: number; output: number }, app: string): Promise<void> {
  fake.enqueue(completeScript('openai', { text: ['ok'], usage: { ...tokens, cached: 0, reasoning: 0 } }));
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-title': app },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1_000 }),
  });
  expect(response.status).toBe(200);
  await response.text();
}

async function get(path: string, key: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Rankings = {
  total: number;
  rows: { key: string; value: number; share: number }[];
  others: { value: number; keyCount: number };
};

describe('rankings and activity', () => {
  let acme: string;
  let rival: string;

  beforeAll(async () => {
    acme = await createKey('acme');
    rival = await createKey('rival');
    await call(acme, 'west/alpha', { input: 100, output: 50 }, 'Cline');
    await call(acme, 'east/beta', { input: 300, output: 100 }, 'Cline');
    await call(rival, 'east/beta', { input: 1_000, output: 500 }, 'Secret Agent');
  });

  it('ranks models across every org for an admin, exactly', async () => {
    const { status, body } = await get('/api/v1/rankings?period=week&by=model', testAdminKey);
    expect(status).toBe(200);
    const data = body['data'] as Rankings;
    expect(data.total).toBe(2_050);
    expect(data.rows.map((row) => [row.key, row.value, row.share])).toEqual([
      ['east/beta', 1_900, 0.9268],
      ['west/alpha', 150, 0.0732],
    ]);
    const byOrigin = (await get('/api/v1/rankings?by=origin', testAdminKey)).body['data'] as Rankings;
    expect(byOrigin.rows.map((row) => [row.key, row.value])).toEqual([
      ['CN', 1_900],
      ['US', 150],
    ]);
    const spend = (await get('/api/v1/rankings?by=app&measure=spend', testAdminKey)).body['data'] as {
      rows: { key: string; value: { nanos: string } }[];
    };
    // Cline: 100 × 1 000 + 50 × 2 000 + 300 × 500 + 100 × 1 000 nano-USD; Secret Agent: 1 000 × 500 + 500 × 1 000.
    expect(spend.rows.map((row) => [row.key, row.value.nanos])).toEqual([
      ['Secret Agent', '1000000'],
      ['Cline', '450000'],
    ]);
  });

  it("shows a member only its own org's usage, whatever it asks for", async () => {
    const own = (await get('/api/v1/rankings?by=app&org_id=rival', acme)).body['data'] as Rankings;
    expect(own.total).toBe(550);
    expect(own.rows.map((row) => row.key)).toEqual(['Cline']);
    const activity = (await get('/api/v1/activity?group_by=model&org_id=rival', acme)).body['data'] as {
      orgId: string;
      rows: { key: string; totalTokens: number; costNanos: { nanos: string } }[];
    };
    expect(activity.orgId).toBe('acme');
    // By spend, largest first.
    expect(activity.rows.map((row) => [row.key, row.totalTokens, row.costNanos.nanos])).toEqual([
      ['east/beta', 400, '250000'],
      ['west/alpha', 150, '200000'],
    ]);
    const rivalView = (await get('/api/v1/activity?group_by=model', rival)).body['data'] as { rows: { key: string }[] };
    expect(rivalView.rows.map((row) => row.key)).toEqual(['east/beta']);
  });

  it('exports rankings and activity as CSV', async () => {
    const rankings = await fetch(`${gateway.url}/api/v1/rankings?by=model&format=csv`, {
      headers: { authorization: `Bearer ${testAdminKey}` },
    });
    expect(rankings.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(rankings.headers.get('content-disposition')).toMatch(
      /^attachment; filename="rankings-week-\d{4}-\d{2}-\d{2}-model\.csv"$/,
    );
    expect(await rankings.text()).toBe(
      [
        'rank,model,total_tokens,share,previous,growth',
        '1,east/beta,1900,0.9268,0,',
        '2,west/alpha,150,0.0732,0,',
        ',others,0,0,0,',
        ',total,2050,1,0,',
        '',
      ].join('\r\n'),
    );
    const activity = await fetch(`${gateway.url}/api/v1/activity?group_by=model&format=csv`, {
      headers: { authorization: `Bearer ${acme}` },
    });
    expect(await activity.text()).toBe(
      [
        'model,requests,promptTokens,completionTokens,reasoningTokens,cachedTokens,totalTokens,spend_usd',
        'east/beta,1,300,100,0,0,400,0.000250000',
        'west/alpha,1,100,50,0,0,150,0.000200000',
        '',
      ].join('\r\n'),
    );
  });

  it('prints the same rankings in the terminal (`meridian rankings`)', async () => {
    const { stdout } = await run(process.execPath, [
      fileURLToPath(new URL('../../dist/main.js', import.meta.url)),
      'rankings',
      '--by',
      'model',
      '--config',
      join(gateway.directory, 'meridian.yaml'),
    ]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).filter((cell) => cell !== ''))).toEqual([
      ['#', 'model', 'total_tokens', 'share', 'vs previous'],
      ['1', 'east/beta', '1.9K', '92.7%', 'new'],
      ['2', 'west/alpha', '150', '7.3%', 'new'],
      ['total', '2.1K', '100.0%', 'new'],
    ]);
  });

  it('needs a key unless the operator made the barometer public, and names a bad parameter', async () => {
    expect((await get('/api/v1/rankings', undefined)).status).toBe(401);
    expect((await get('/api/v1/activity', undefined)).status).toBe(401);
    const bad = await get('/api/v1/rankings?period=fortnight', testAdminKey);
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatchObject({ code: 'invalid_request', param: 'period' });
    const zone = await get('/api/v1/rankings?tz=Mars/Olympus', testAdminKey);
    expect(zone.status).toBe(400);
    expect(zone.body['error']).toMatchObject({ param: 'tz' });
  });

  // Last: its call would change the totals the cases above expect.
  it('attributes an app named in UTF-8 (X-Title sent as raw UTF-8 bytes, as curl and most clients do)', async () => {
    const key = await createKey('acme');
    fake.enqueue(completeScript('openai', { text: ['ok'], usage: { input: 1, output: 1, cached: 0, reasoning: 0 } }));
    const body = JSON.stringify({ model: 'west/alpha', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
    // Node writes a header string as Latin-1: this puts the title's UTF-8 bytes on the wire unchanged.
    const title = Buffer.from('Café 日本', 'utf8').toString('latin1');
    const generationId = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-title': title },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(String(response.headers['x-meridian-generation-id'])));
      });
      request.on('error', reject);
      // A Buffer: a string body would be written with the headers in one UTF-8 write, encoding the title twice.
      request.end(Buffer.from(body));
    });
    expect((await readGeneration(gateway.url, key, generationId))['app_title']).toBe('Café 日本');
  });
});
