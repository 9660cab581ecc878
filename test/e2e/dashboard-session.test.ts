import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/config/limits.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript } from '../fake-upstream/protocol-scripts.js';
import { createCreditsConfig } from '../support/credits-config.js';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Dashboard sign-in (issues #7 and #8), black-box: `POST /api/v1/dashboard/login` opens a session whose
 * HttpOnly, SameSite=Strict cookie then authenticates every API route like the key it was opened with;
 * state-changing requests made with it need the session's `x-csrf-token`; the key is re-checked on every
 * request; sign-out clears it; failed sign-ins per address are throttled; the API sends no CORS headers.
 */

let fake: FakeUpstream;
let gateway: GatewayProcess;
let admin: { readonly id: string; readonly orgId: string };
let alpha: { readonly key: string; readonly id: string };
let beta: { readonly key: string; readonly id: string };

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

interface SessionData {
  readonly key_id: string;
  readonly org_id: string;
  readonly role: string;
  readonly csrf_token: string;
  readonly expires_at: string;
}

/** The `error` object of an answer (OpenAI's shape). */
const errorOf = (answer: Answer) =>
  answer.json['error'] as {
    readonly code: string;
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
  };
/** The `data` of an answer, as the test expects it to be shaped (the assertions check it). */
const dataOf = <T = Record<string, unknown>>(answer: Answer) => answer.json['data'] as T;

/** A raw request (node:http: the Cookie and Origin headers go out exactly as written). */
function send(
  target: GatewayProcess,
  method: string,
  path: string,
  options: { readonly headers?: Record<string, string>; readonly body?: unknown } = {},
): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const json = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const api = (method: string, path: string, options: Parameters<typeof send>[3] = {}) =>
  send(gateway, method, path, options);
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Signs a key in; `cookie` is what a browser sends back (`meridian_session=<id>`). */
async function signIn(
  key: string,
  headers: Record<string, string> = {},
  target: GatewayProcess = gateway,
): Promise<Answer & { readonly cookie: string; readonly setCookie: string | undefined }> {
  const answer = await send(target, 'POST', '/api/v1/dashboard/login', { body: { key }, headers });
  const setCookie = answer.headers['set-cookie']?.[0];
  return { ...answer, setCookie, cookie: setCookie?.split(';', 1)[0] ?? '' };
}

async function createKey(org: string, name: string): Promise<{ key: string; id: string }> {
  const answer = await api('POST', '/api/v1/keys', { headers: bearer(testAdminKey), body: { name, org_id: org } });
  if (answer.status !== 201) throw new Error(`key creation: ${answer.status} ${answer.text}`);
  return { key: answer.json['key'] as string, id: dataOf<{ id: string }>(answer).id };
}

async function countKeys(): Promise<number> {
  return ((await api('GET', '/api/v1/keys', { headers: bearer(testAdminKey) })).json['data'] as unknown[]).length;
}

function chat(headers: Record<string, string>): Promise<Answer> {
  return api('POST', '/v1/chat/completions', {
    headers,
    body: { model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
  });
}

const lifetimeSeconds = limits.sessionLifetimeMs / 1000;
/** The plain cookie over http, the `__Host-` one with `Secure` over https. */
const cookiePattern = (secure: '' | '; Secure') =>
  new RegExp(
    `^${secure === '' ? '' : '__Host-'}meridian_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${lifetimeSeconds}${secure}$`,
  );
const ended = { code: 'authentication_failed', message: 'Not signed in, or the session has ended.' };

/** The config with the gateway trusting loopback as its reverse proxy (`x-forwarded-*` from the test are believed). */
function trustLoopback(configYaml: string): string {
  const server = 'server: { host: 127.0.0.1, port: 0 }';
  if (!configYaml.includes(server)) throw new Error('the test config has no server block to extend');
  return configYaml.replace(server, 'server: { host: 127.0.0.1, port: 0, trusted_proxies: ["127.0.0.1", "::1"] }');
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  const config = `${createCreditsConfig(fake.baseUrl, { alpha: '1.00', beta: '2.00' })}barometer: { public: true, min_app_requests: 0 }\n`;
  gateway = await startGatewayProcess({ configYaml: trustLoopback(config) });
  alpha = await createKey('alpha', 'alpha-member');
  beta = await createKey('beta', 'beta-member');
  const listed = await api('GET', '/api/v1/keys', { headers: bearer(testAdminKey) });
  const record = (listed.json['data'] as { id: string; org_id: string; role: string }[]).find(
    (key) => key.role === 'admin',
  )!;
  admin = { id: record.id, orgId: record.org_id };
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

describe('sign-in', () => {
  it('signs an admin key in: exact cookie attributes, the session data, and GET /session answers the same', async () => {
    const login = await signIn(testAdminKey);
    expect(login.status).toBe(200);
    expect(login.setCookie).toMatch(cookiePattern(''));
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.json).toEqual({
      data: {
        key_id: admin.id,
        org_id: admin.orgId,
        role: 'admin',
        csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expires_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    });
    const idleEndMs = Date.parse(dataOf<SessionData>(login).expires_at);
    expect(idleEndMs).toBeGreaterThan(Date.now());
    expect(idleEndMs).toBeLessThanOrEqual(Date.now() + limits.sessionIdleTimeoutMs);

    const session = await api('GET', '/api/v1/dashboard/session', { headers: { cookie: login.cookie } });
    expect(session.status).toBe(200);
    expect(session.headers['cache-control']).toBe('no-store');
    expect(session.json['data']).toEqual({ ...dataOf(login), expires_at: expect.any(String) });
    // The /v1 spelling is the same route.
    expect((await send(gateway, 'GET', '/v1/dashboard/session', { headers: { cookie: login.cookie } })).status).toBe(
      200,
    );
  });

  it('names the cookie __Host- and marks it Secure when the request came through a trusted https proxy', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const login = await signIn(testAdminKey, https);
    expect(login.status).toBe(200);
    expect(login.setCookie).toMatch(cookiePattern('; Secure'));
    const id = login.cookie.split('=', 2)[1]!;
    const session = (cookie: string, headers: Record<string, string>) =>
      send(gateway, 'GET', '/api/v1/dashboard/session', { headers: { cookie, ...headers } });
    expect((await session(login.cookie, https)).status).toBe(200);
    // Over https the plain name is not read: another host could have planted it (cookie tossing).
    const planted = await session(`meridian_session=${id}`, https);
    expect(planted.status).toBe(401);
    expect(planted.json['error']).toMatchObject(ended);
    // Over plain http the __Host- cookie is not read either (a browser would never send it there).
    expect((await session(login.cookie, {})).status).toBe(401);
    const logout = await send(gateway, 'POST', '/api/v1/dashboard/logout', {
      headers: { cookie: login.cookie, 'x-csrf-token': dataOf<{ csrf_token: string }>(login).csrf_token, ...https },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers['set-cookie']).toEqual([
      '__Host-meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    ]);
  });

  it('signs a member key in as a member of its org', async () => {
    const login = await signIn(alpha.key);
    expect(login.json['data']).toMatchObject({ key_id: alpha.id, org_id: 'alpha', role: 'member' });
  });

  it('refuses a wrong key with the Bearer path’s 401, and sets no cookie', async () => {
    const wrongKey = 'not-a-real-key-0123456789abcdef';
    const login = await signIn(wrongKey);
    const viaBearer = await api('GET', '/api/v1/key', { headers: bearer(wrongKey) });
    expect(login.status).toBe(401);
    expect(login.setCookie).toBeUndefined();
    expect(login.json['error']).toMatchObject({ code: 'authentication_failed', message: 'Invalid API key.' });
    expect(errorOf(login).message).toBe(errorOf(viaBearer).message);
  });

  it('needs a JSON body naming the key', async () => {
    const form = await api('POST', '/api/v1/dashboard/login', {
      headers: { 'content-type': 'text/plain' },
      body: { key: testAdminKey },
    });
    expect(form.status).toBe(415);
    expect(errorOf(form).code).toBe('unsupported_media_type');
    const missing = await api('POST', '/api/v1/dashboard/login', { body: { secret: testAdminKey } });
    expect(missing.status).toBe(400);
    expect(missing.json['error']).toMatchObject({ code: 'invalid_request', param: 'key' });
  });

  it('answers 401 to GET /session without a cookie or with an unknown one', async () => {
    expect((await api('GET', '/api/v1/dashboard/session')).json['error']).toMatchObject(ended);
    const unknown = await api('GET', '/api/v1/dashboard/session', {
      headers: { cookie: `meridian_session=${'A'.repeat(43)}` },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json['error']).toMatchObject(ended);
  });
});

describe('the session cookie on the API', () => {
  it('lists keys with the cookie alone, as the Bearer key does', async () => {
    const { cookie } = await signIn(testAdminKey);
    const viaCookie = await api('GET', '/api/v1/keys', { headers: { cookie } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.json).toEqual((await api('GET', '/api/v1/keys', { headers: bearer(testAdminKey) })).json);
  });

  it('creates nothing without the right CSRF token (403 csrf_failed), and creates with it', async () => {
    const login = await signIn(testAdminKey);
    const before = await countKeys();
    const forgeries: readonly Record<string, string>[] = [
      { cookie: login.cookie },
      { cookie: login.cookie, 'x-csrf-token': 'A'.repeat(43) },
      { cookie: login.cookie, 'x-csrf-token': '' },
    ];
    for (const headers of forgeries) {
      const refused = await api('POST', '/api/v1/keys', { headers, body: { name: 'forged', org_id: 'alpha' } });
      expect(refused.status).toBe(403);
      expect(refused.json['error']).toMatchObject({ code: 'csrf_failed', type: 'permission_error' });
    }
    expect(await countKeys()).toBe(before);

    const created = await api('POST', '/api/v1/keys', {
      headers: { cookie: login.cookie, 'x-csrf-token': dataOf<SessionData>(login).csrf_token },
      body: { name: 'via-session', org_id: 'alpha' },
    });
    expect(created.status).toBe(201);
    expect(created.json['data']).toMatchObject({ name: 'via-session', org_id: 'alpha', role: 'member' });
    expect(created.json['key']).toEqual(expect.any(String));
    expect(await countKeys()).toBe(before + 1);
  });

  it('keeps admin routes closed to a member’s session', async () => {
    const login = await signIn(alpha.key);
    const csrf = { cookie: login.cookie, 'x-csrf-token': dataOf<SessionData>(login).csrf_token };
    const before = await countKeys();
    expect(errorOf(await api('GET', '/api/v1/keys', { headers: { cookie: login.cookie } })).code).toBe(
      'permission_denied',
    );
    const create = await api('POST', '/api/v1/keys', { headers: csrf, body: { name: 'escalate', org_id: 'alpha' } });
    expect(create.status).toBe(403);
    expect(errorOf(create).code).toBe('permission_denied');
    expect((await api('GET', '/metrics', { headers: { cookie: login.cookie } })).status).toBe(403);
    expect(await countKeys()).toBe(before);
    const own = await api('GET', '/api/v1/key', { headers: { cookie: login.cookie } });
    expect(own.status).toBe(200);
  });

  it('lets an explicit key header win over the cookie', async () => {
    const adminLogin = await signIn(testAdminKey);
    const asMember = await api('GET', '/api/v1/keys', { headers: { cookie: adminLogin.cookie, ...bearer(alpha.key) } });
    expect(asMember.status).toBe(403);
    // With a Bearer key no CSRF token is asked for: the cookie plays no part.
    const before = await countKeys();
    const created = await api('POST', '/api/v1/keys', {
      headers: { cookie: adminLogin.cookie, ...bearer(testAdminKey) },
      body: { name: 'bearer-with-cookie', org_id: 'alpha' },
    });
    expect(created.status).toBe(201);
    expect(await countKeys()).toBe(before + 1);
  });

  it('calls models with the cookie and the CSRF token, and Activity shows only the caller’s org', async () => {
    const login = await signIn(alpha.key);
    const receivedBefore = fake.received.length;
    const forged = await chat({ cookie: login.cookie });
    expect(forged.status).toBe(403);
    expect(errorOf(forged).code).toBe('csrf_failed');
    expect(fake.received.length).toBe(receivedBefore);

    const usage = { input: 7, cached: 0, output: 3, reasoning: 0 };
    fake.enqueue(completeScript('openai', { text: ['alpha answer'], usage }));
    const viaCookie = await chat({ cookie: login.cookie, 'x-csrf-token': dataOf<SessionData>(login).csrf_token });
    expect(viaCookie.status).toBe(200);
    fake.enqueue(completeScript('openai', { text: ['beta answer'], usage: { ...usage, input: 11 } }));
    expect((await chat(bearer(beta.key))).status).toBe(200);

    const activity = await api('GET', '/api/v1/activity?group_by=model&org_id=beta', {
      headers: { cookie: login.cookie },
    });
    expect(activity.status).toBe(200);
    expect(dataOf(activity)['orgId']).toBe('alpha');
    expect(dataOf(activity)['rows']).toEqual([
      expect.objectContaining({
        key: 'test/metered',
        requests: 1,
        promptTokens: 7,
        completionTokens: 3,
        costNanos: { usd: 0.000013, nanos: '13000' },
      }),
    ]);
  });

  it('shows the public barometer without a live cookie, and the key’s view with one', async () => {
    const path = '/api/v1/rankings?period=day&by=model&measure=requests';
    const login = await signIn(alpha.key);
    expect(dataOf(await api('GET', path))['total']).toBe(2);
    const dead = await api('GET', path, { headers: { cookie: `meridian_session=${'C'.repeat(43)}` } });
    expect(dead.status).toBe(200);
    expect(dataOf(dead)['total']).toBe(2);
    expect(dataOf(await api('GET', path, { headers: { cookie: login.cookie } }))['total']).toBe(1);
  });

  it('ends the session’s access at once when its key is revoked or disabled after sign-in', async () => {
    for (const change of [
      (id: string) => api('DELETE', `/api/v1/keys/${id}`, { headers: bearer(testAdminKey) }),
      (id: string) => api('PATCH', `/api/v1/keys/${id}`, { headers: bearer(testAdminKey), body: { disabled: true } }),
    ]) {
      const member = await createKey('alpha', 'short-lived');
      const { cookie } = await signIn(member.key);
      expect((await api('GET', '/api/v1/key', { headers: { cookie } })).status).toBe(200);
      expect((await change(member.id)).status).toBe(200);
      const after = await api('GET', '/api/v1/key', { headers: { cookie } });
      expect(after.status).toBe(401);
      expect(after.json['error']).toMatchObject(ended);
      expect((await api('GET', '/api/v1/dashboard/session', { headers: { cookie } })).status).toBe(401);
    }
  });

  it('signs out only with the CSRF token, ends the session and clears the cookie', async () => {
    const login = await signIn(testAdminKey);
    const forged = await api('POST', '/api/v1/dashboard/logout', { headers: { cookie: login.cookie } });
    expect(forged.status).toBe(403);
    expect(errorOf(forged).code).toBe('csrf_failed');
    expect((await api('GET', '/api/v1/dashboard/session', { headers: { cookie: login.cookie } })).status).toBe(200);

    const logout = await api('POST', '/api/v1/dashboard/logout', {
      headers: { cookie: login.cookie, 'x-csrf-token': dataOf<SessionData>(login).csrf_token },
    });
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expect(logout.headers['set-cookie']).toEqual(['meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    expect((await api('GET', '/api/v1/dashboard/session', { headers: { cookie: login.cookie } })).status).toBe(401);
    const keys = await api('GET', '/api/v1/keys', { headers: { cookie: login.cookie } });
    expect(keys.status).toBe(401);
    expect(keys.json['error']).toMatchObject(ended);
  });
});

describe('no CORS', () => {
  it('grants no cross-origin preflight and sends no CORS headers on API answers', async () => {
    const login = await signIn(testAdminKey);
    const preflightHeaders = {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-csrf-token',
    };
    for (const path of ['/api/v1/keys', '/api/v1/dashboard/login', '/api/v1/dashboard/logout']) {
      const preflight = await api('OPTIONS', path, { headers: preflightHeaders });
      // The route exists, not for OPTIONS: 405 with the methods it answers, and nothing that grants another origin.
      expect(preflight.status).toBe(405);
      expect(preflight.headers['allow']).toMatch(/^(GET, POST, HEAD|POST)$/);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    const read = await api('GET', '/api/v1/dashboard/session', {
      headers: { origin: 'https://evil.example', cookie: login.cookie },
    });
    expect(read.status).toBe(200);
    expect(Object.keys(read.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe('sign-in throttle', () => {
  it(`refuses an address after ${limits.loginFailuresPerMinuteMax} failed sign-ins in a minute, even with the right key`, async () => {
    const fresh = await startGatewayProcess({ configYaml: createCreditsConfig(fake.baseUrl, { alpha: '1.00' }) });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < limits.loginFailuresPerMinuteMax; attempt += 1) {
        statuses.push((await signIn(`wrong-key-${attempt}-0123456789abcdef`, {}, fresh)).status);
      }
      expect(statuses).toEqual(Array.from({ length: limits.loginFailuresPerMinuteMax }, () => 401));
      for (const key of ['wrong-key-again-0123456789abcdef', testAdminKey]) {
        const refused = await signIn(key, {}, fresh);
        expect(refused.status).toBe(429);
        expect(errorOf(refused).code).toBe('rate_limited');
        expect(refused.setCookie).toBeUndefined();
        const retryAfter = Number(refused.headers['retry-after']);
        expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      }
      // Without trusted proxies a claimed client address changes nothing.
      const claimed = await signIn(testAdminKey, { 'x-forwarded-for': '203.0.113.8' }, fresh);
      expect(claimed.status).toBe(429);
      // Only sign-in is throttled: the same address still uses the API with its key.
      expect((await send(fresh, 'GET', '/api/v1/keys', { headers: bearer(testAdminKey) })).status).toBe(200);
    } finally {
      await fresh.stop();
      fresh.cleanup();
    }
  });

  it('counts per forwarded client behind a trusted proxy: one address is refused, another still signs in', async () => {
    const fresh = await startGatewayProcess({
      configYaml: trustLoopback(createCreditsConfig(fake.baseUrl, { alpha: '1.00' })),
    });
    try {
      const blocked = { 'x-forwarded-for': '203.0.113.7' };
      const statuses: number[] = [];
      for (let attempt = 0; attempt < limits.loginFailuresPerMinuteMax; attempt += 1) {
        statuses.push((await signIn(`wrong-key-${attempt}-0123456789abcdef`, blocked, fresh)).status);
      }
      expect(statuses).toEqual(Array.from({ length: limits.loginFailuresPerMinuteMax }, () => 401));
      const refused = await signIn(testAdminKey, blocked, fresh);
      expect(refused.status).toBe(429);
      expect(errorOf(refused).code).toBe('rate_limited');
      // A spoofed left-most entry does not escape: the proxy appended the real client on the right.
      expect((await signIn(testAdminKey, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }, fresh)).status).toBe(429);
      const other = await signIn(
        testAdminKey,
        { 'x-forwarded-for': '203.0.113.8', 'x-forwarded-proto': 'https' },
        fresh,
      );
      expect(other.status).toBe(200);
      expect(other.setCookie).toMatch(cookiePattern('; Secure'));
      // The proxy itself (no header) has its own bucket.
      expect((await signIn(testAdminKey, {}, fresh)).status).toBe(200);
    } finally {
      await fresh.stop();
      fresh.cleanup();
    }
  });
});
