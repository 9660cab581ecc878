import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Cross-tenant reads (issue #8): with org A's member key, every route that could show
 * org B's data — generations, keys, credits, activity, rankings, metrics — answers
 * 403/404 or A's own data, never B's; and path tricks (`/api` prefix, trailing slash,
 * `..`, encoded slashes, case) reach no admin route.
 */

let fake: FakeUpstream;
let gateway: GatewayProcess;
let keyA: string;
let keyB: { key: string; id: string };
let generationB: string;

async function createKey(org: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${org}-key`, org_id: org }),
  });
  const body = (await response.json()) as { key: string; data: { id: string } };
  return { key: body.key, id: body.data.id };
}

/** A raw request: the path goes to the gateway exactly as written (no URL normalisation by the client). */
function send(method: string, path: string, key: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.url);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({
    configYaml: createCreditsConfig(fake.baseUrl, { alpha: '1.00', beta: '2.00' }),
  });
  keyA = (await createKey('alpha')).key;
  keyB = await createKey('beta');
  fake.enqueue(
    completeScript('openai', { text: ['secret answer'], usage: { input: 7, cached: 0, output: 3, reasoning: 0 } }),
  );
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keyB.key}`, 'content-type': 'application/json', 'x-title': 'Beta Secret App' },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  generationB = ((await response.json()) as { id: string }).id;
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

describe("org A's member key never reads org B's data", () => {
  it('gets 404 for B’s generation and 403 for the key and org planes', async () => {
    expect((await send('GET', `/api/v1/generation?id=${generationB}`, keyA)).status).toBe(404);
    expect((await send('GET', `/api/v1/generation?id=${generationB}`, keyB.key)).status).toBe(200);
    expect((await send('GET', '/api/v1/keys', keyA)).status).toBe(403);
    expect((await send('PATCH', `/api/v1/keys/${keyB.id}`, keyA, '{"disabled":true}')).status).toBe(403);
    expect((await send('DELETE', `/api/v1/keys/${keyB.id}`, keyA)).status).toBe(403);
    expect((await send('POST', `/api/v1/keys/${keyB.id}/rotate`, keyA)).status).toBe(403);
    expect((await send('GET', '/api/v1/orgs', keyA)).status).toBe(403);
    expect((await send('POST', '/api/v1/orgs/beta/credits', keyA, '{"amount":"1"}')).status).toBe(403);
    expect((await send('GET', '/metrics', keyA)).status).toBe(403);
  });

  it('sees only its own org in credits, activity and rankings, whatever it asks for', async () => {
    const credits = JSON.parse((await send('GET', '/api/v1/credits?org_id=beta', keyA)).text) as {
      data: { org_id: string; total_usage: number };
    };
    expect(credits.data).toMatchObject({ org_id: 'alpha', total_usage: 0 });
    for (const path of [
      '/api/v1/activity?group_by=model&org_id=beta',
      '/api/v1/rankings?by=app&org_id=beta',
      '/api/v1/rankings/series?stack_by=origin&org_id=beta',
    ]) {
      const { status, text } = await send('GET', path, keyA);
      expect(status).toBe(200);
      expect(text).not.toContain('Beta Secret App');
      expect(text).not.toContain('test/metered');
      expect(text).not.toContain('"beta"');
    }
  });

  it('reaches no admin route through path tricks', async () => {
    const tricks = [
      '/api/v1/keys/',
      '/v1/keys',
      '//api/v1/keys',
      '/api/v1/./keys',
      '/api/v1/x/../keys',
      '/api/v1/keys%2f',
      '/api%2fv1/keys',
      '/API/V1/KEYS',
      '/api/v1/keys?x=/v1/models',
      '/api/v1/keys#',
      '/api/v1/keys;',
    ];
    for (const path of tricks) {
      const { status, text } = await send('GET', path, keyA);
      expect([403, 404], `${path} → ${status}`).toContain(status);
      expect(text).not.toContain(keyB.id);
    }
  });

  it('answers an error found before the body was read (unknown route) without cutting a 1 MB upload', async () => {
    const body = JSON.stringify([{ amount: 'the quick brown fox 中文 🧪 '.repeat(35_000) }]);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const { status, text } = await send('POST', '/api/v1/orgs/Not_An_Org/credits', testAdminKey, body);
      expect(status).toBe(404);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'not_found' } });
      const unauthenticated = await send('POST', '/api/v1/credit-codes', '', body);
      expect(unauthenticated.status).toBe(401);
    }
  });
});
