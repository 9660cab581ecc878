import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
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
 * `..`, encoded slashes, case) reach no admin route. The same for the routes that came
 * with dashboard sign-in and API-created providers: a member cannot list, read, change or
 * delete providers (403), `GET /v1/generations` shows the caller's org whatever `org_id`
 * says, and a session cookie acts only as the key it was opened with.
 */

let fake: FakeUpstream;
let gateway: GatewayProcess;
let keyA: string;
let keyB: { key: string; id: string };
let generationB: string;
/** A loopback port nothing listens on: the only base URL the config lets an API-created provider have. */
let closedPort: number;
const providerKey = 'sk-tenant-provider-key-0123456789abcdef';
const masterKeys = `tenant:${Buffer.alloc(32, 5).toString('base64')}`;

async function createKey(org: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${gateway.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${org}-key`, org_id: org }),
  });
  const body = (await response.json()) as { key: string; data: { id: string } };
  return { key: body.key, id: body.data.id };
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly setCookie: readonly string[];
}

/** A raw request: the path goes to the gateway exactly as written (no URL normalisation by the client). */
function send(method: string, path: string, key: string, body?: string): Promise<Answer> {
  return sendWith(method, path, { authorization: `Bearer ${key}` }, body);
}

/** A raw request with exactly these headers (a key, a session cookie, a CSRF token, or none). */
function sendWith(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.url);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text, setCookie: response.headers['set-cookie'] ?? [] }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** A loopback port that was free a moment ago (nothing listens there). */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  closedPort = await findClosedPort();
  gateway = await startGatewayProcess({
    configYaml: `${createCreditsConfig(fake.baseUrl, { alpha: '1.00', beta: '2.00' })}security:\n  outbound_allow: ["127.0.0.1:${closedPort}"]\n`,
    env: { MERIDIAN_MASTER_KEYS: masterKeys },
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

describe('providers, generations and dashboard sessions across orgs', () => {
  const providerId = 'tenant-secret-provider';
  let providerBaseUrl: string;
  let generationA: string;
  let sessionA: Session;
  let sessionB: Session;

  interface Session {
    readonly cookie: string;
    readonly csrfToken: string;
  }

  async function signIn(key: string): Promise<Session> {
    const answer = await sendWith('POST', '/api/v1/dashboard/login', {}, JSON.stringify({ key }));
    expect(answer.status).toBe(200);
    const id = /^meridian_session=([^;]+);/.exec(answer.setCookie[0] ?? '')?.[1];
    expect(id).toBeDefined();
    const data = (JSON.parse(answer.text) as { data: { csrf_token: string } }).data;
    return { cookie: `meridian_session=${id!}`, csrfToken: data.csrf_token };
  }

  function errorCodeOf(answer: Answer): unknown {
    return (JSON.parse(answer.text) as { error?: { code?: unknown } }).error?.code;
  }

  function generationIdsOf(answer: Answer): string[] {
    expect(answer.status, answer.text).toBe(200);
    return (JSON.parse(answer.text) as { data: { id: string }[] }).data.map((record) => record.id);
  }

  async function readProviderAsAdmin(): Promise<Answer> {
    return send('GET', `/api/v1/providers/${providerId}`, testAdminKey);
  }

  beforeAll(async () => {
    providerBaseUrl = `http://127.0.0.1:${closedPort}/v1`;
    const created = await send(
      'POST',
      '/api/v1/providers',
      testAdminKey,
      JSON.stringify({
        id: providerId,
        protocol: 'openai',
        base_url: providerBaseUrl,
        api_key: providerKey,
        models: [
          {
            id: 'tenant/secret-model',
            author: 'tenant',
            origin: 'US',
            context_length: 8_192,
            upstream_model: 'secret-upstream',
            pricing: { prompt: '1.00', completion: '2.00' },
          },
        ],
      }),
    );
    expect(created.status, created.text).toBe(201);
    fake.enqueue(
      completeScript('openai', { text: ['alpha answer'], usage: { input: 5, cached: 0, output: 2, reasoning: 0 } }),
    );
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json', 'x-title': 'Alpha App' },
      body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    generationA = ((await response.json()) as { id: string }).id;
    sessionA = await signIn(keyA);
    sessionB = await signIn(keyB.key);
  });

  it('a member cannot list, read, create, change or delete providers (403), by key or by session cookie', async () => {
    const before = await readProviderAsAdmin();
    expect(before.status).toBe(200);
    const attempts: [string, string, string | undefined][] = [
      ['GET', '/api/v1/providers', undefined],
      ['GET', `/api/v1/providers/${providerId}`, undefined],
      [
        'POST',
        '/api/v1/providers',
        JSON.stringify({ id: 'tenant-new', protocol: 'openai', base_url: providerBaseUrl }),
      ],
      ['PATCH', `/api/v1/providers/${providerId}`, JSON.stringify({ api_key: null })],
      ['DELETE', `/api/v1/providers/${providerId}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const byKey = await send(method, path, keyA, body);
      const byCookie = await sendWith(
        method,
        path,
        { cookie: sessionA.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': sessionA.csrfToken }) },
        body,
      );
      for (const answer of [byKey, byCookie]) {
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(errorCodeOf(answer)).toBe('permission_denied');
        expect(answer.text).not.toContain(providerBaseUrl);
        expect(answer.text).not.toContain('last_four');
      }
    }
    // Nothing changed: the provider is as it was, still keyed, and no other was created.
    expect(await readProviderAsAdmin()).toEqual(before);
    expect(JSON.parse(before.text)).toMatchObject({ data: { id: providerId, api_key: { set: true } } });
    const list = JSON.parse((await send('GET', '/api/v1/providers', testAdminKey)).text) as { data: { id: string }[] };
    expect(list.data.map((provider) => provider.id)).toEqual([providerId]);
  });

  it('GET /v1/generations shows a member its own org whatever org_id says; an admin may name the org', async () => {
    for (const path of [
      '/api/v1/generations',
      '/api/v1/generations?org_id=beta',
      '/api/v1/generations?org_id=beta&org_id=alpha',
      '/api/v1/generations?org_id=alpha&org_id=beta',
      '/v1/generations?org_id=beta&limit=100',
      '/api/v1/generations?org_id=%62eta',
      '/api/v1/generations?ORG_ID=beta',
      '/api/v1/generations/?org_id=beta',
    ]) {
      const byKey = await send('GET', path, keyA);
      const byCookie = await sendWith('GET', path, { cookie: sessionA.cookie });
      for (const answer of [byKey, byCookie]) {
        expect(generationIdsOf(answer), path).toEqual([generationA]);
        expect(answer.text).not.toContain(generationB);
        expect(answer.text).not.toContain('Beta Secret App');
      }
    }
    expect(generationIdsOf(await send('GET', '/api/v1/generations?org_id=alpha', keyB.key))).toEqual([generationB]);
    // The parameter does work, for the admin plane: so the member answers above are the policy, not an accident.
    expect(generationIdsOf(await send('GET', '/api/v1/generations?org_id=beta', testAdminKey))).toEqual([generationB]);
    expect(generationIdsOf(await send('GET', '/api/v1/generations?org_id=alpha', testAdminKey))).toEqual([generationA]);
  });

  it('a session cookie acts only as the key it was opened with', async () => {
    const seen = await sendWith('GET', '/api/v1/dashboard/session', { cookie: sessionA.cookie });
    expect(JSON.parse(seen.text)).toMatchObject({ data: { org_id: 'alpha', role: 'member' } });
    expect((await sendWith('GET', `/api/v1/generation?id=${generationB}`, { cookie: sessionA.cookie })).status).toBe(
      404,
    );
    expect(generationIdsOf(await sendWith('GET', '/api/v1/generations', { cookie: sessionB.cookie }))).toEqual([
      generationB,
    ]);

    // One session's CSRF token does not unlock another session: B's cookie with A's token is refused, B stays in.
    for (const [method, path, body] of [
      ['POST', '/api/v1/dashboard/logout', undefined],
      ['POST', '/api/v1/credits/redeem', JSON.stringify({ code: 'mer-cc-AAAAAAAAAAAAAAAAAAAAAA' })],
    ] as const) {
      const mixed = await sendWith(method, path, { cookie: sessionB.cookie, 'x-csrf-token': sessionA.csrfToken }, body);
      expect(mixed.status, path).toBe(403);
      expect(errorCodeOf(mixed)).toBe('csrf_failed');
    }
    const stillIn = await sendWith('GET', '/api/v1/dashboard/session', { cookie: sessionB.cookie });
    expect(JSON.parse(stillIn.text)).toMatchObject({ data: { org_id: 'beta' } });

    // A key header wins over a cookie: A's key with B's cookie is A, and sees A's org only.
    const keyWins = await sendWith('GET', '/api/v1/generations?org_id=beta', {
      authorization: `Bearer ${keyA}`,
      cookie: sessionB.cookie,
    });
    expect(generationIdsOf(keyWins)).toEqual([generationA]);
  });

  it('a session ends with its key: once the key is revoked, its cookie is refused', async () => {
    const keyB2 = await createKey('beta');
    const session = await signIn(keyB2.key);
    expect(generationIdsOf(await sendWith('GET', '/api/v1/generations', { cookie: session.cookie }))).toEqual([
      generationB,
    ]);
    expect((await send('DELETE', `/api/v1/keys/${keyB2.id}`, testAdminKey)).status).toBe(200);
    for (const path of ['/api/v1/generations', '/api/v1/dashboard/session']) {
      const answer = await sendWith('GET', path, { cookie: session.cookie });
      expect(answer.status, path).toBe(401);
      expect(errorCodeOf(answer)).toBe('authentication_failed');
      expect(answer.text).not.toContain(generationB);
    }
  });

  it('path tricks on /api/v1/providers never reach the provider handlers for a member', async () => {
    const before = await readProviderAsAdmin();
    const tricks = [
      '//v1/providers',
      '//api/v1/providers',
      '/api/v1/providers/',
      '/api/v1/providers//',
      '/api/v1//providers',
      '/api/api/v1/providers',
      '/api/v1/providers%2F',
      `/api/v1/providers%2F${providerId}`,
      `/api/v1/providers%2f${providerId}`,
      '/api%2Fv1/providers',
      '/API/V1/PROVIDERS',
      '/api/v1/Providers',
      `/api/v1/providers/${providerId.toUpperCase()}`,
      `/api/v1/providers/${providerId}/`,
      `/api/v1/providers/./${providerId}`,
      `/api/v1/providers/x/../${providerId}`,
      '/api/v1/providers/%2e%2e/providers',
      '/api/v1/./providers',
      '/api/v1/providers;',
      `/api/v1/providers/${providerId};`,
      `/api/v1/providers/${providerId}%00`,
      '/api/v1/providers?org_id=alpha',
      '/api/v1/providers#',
      '/v1/providers/',
    ];
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      for (const path of tricks) {
        const answer = await send(
          method,
          path,
          keyA,
          method === 'PATCH' ? JSON.stringify({ api_key: null }) : undefined,
        );
        const label = `${method} ${path} → ${answer.status}`;
        expect([403, 404, 405], label).toContain(answer.status);
        const error = (JSON.parse(answer.text) as { error: { code: string; message: string } }).error;
        // A 403 is the route's auth policy; a 404 or 405 is the router's (never a provider handler's "No provider …").
        if (answer.status === 403) expect(error.code, label).toBe('permission_denied');
        else if (answer.status === 405)
          expect([error.code, error.message], label).toEqual([
            'method_not_allowed',
            expect.stringMatching(/ does not answer [A-Z]+; it answers /),
          ]);
        else expect(error.message, label).toMatch(/^No route for /);
        expect(answer.text, label).not.toContain(providerBaseUrl);
        expect(answer.text, label).not.toContain('last_four');
      }
    }
    expect(await readProviderAsAdmin()).toEqual(before);
  });
});
