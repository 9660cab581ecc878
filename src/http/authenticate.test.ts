import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { createKeyService } from '../keys/index.js';
import { openSqliteStorage } from '../storage/index.js';
import { authenticate, readSessionKey } from './authenticate.js';
import type { AuthenticationContext } from './authenticate.js';
import { createSessionStore } from './session/index.js';

const minuteMs = 60_000;

/** Keys over an in-memory database, sessions beside them, and a clock the test moves. */
function createTestContext() {
  const clock = { nowMs: 1_000_000 };
  const storage = openSqliteStorage({ path: ':memory:' });
  storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  const now = () => clock.nowMs;
  const keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 3), now });
  const sessions = createSessionStore({
    idleTimeoutMs: 30 * minuteMs,
    lifetimeMs: 120 * minuteMs,
    countMax: 10,
    perKeyCountMax: 10,
  });
  const context: AuthenticationContext = { keys, storage, sessions, now, trustedProxies: [] };
  const admin = keys.createKey({ orgId: 'acme', name: 'admin', role: 'admin' });
  const member = keys.createKey({ orgId: 'acme', name: 'member', role: 'member' });
  const signIn = (record: { readonly id: string; readonly digest: string }) => sessions.open(record, clock.nowMs);
  return { clock, storage, keys, sessions, context, admin, member, signIn };
}

function createRequest(method: string, headers: IncomingHttpHeaders): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.method = method;
  request.headers = headers;
  return request;
}

async function readFailure(run: () => Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { code: error.code, message: error.message };
  }
}

const ended = { code: 'authentication_failed', message: 'Not signed in, or the session has ended.' };

describe('authenticate', () => {
  it('finds the key of a Bearer or x-api-key header, and refuses a request with neither header nor cookie', async () => {
    const { context, member } = createTestContext();
    expect((await authenticate(createRequest('POST', { authorization: `Bearer ${member.secret}` }), context)).id).toBe(
      member.record.id,
    );
    expect((await authenticate(createRequest('POST', { 'x-api-key': member.secret }), context)).id).toBe(
      member.record.id,
    );
    expect(await readFailure(() => authenticate(createRequest('GET', {}), context))).toEqual({
      code: 'authentication_failed',
      message: 'Missing API key. Send it as "Authorization: Bearer <key>".',
    });
  });

  it('acts as the key of a live session cookie; GET and HEAD need no CSRF token', async () => {
    const { context, admin, signIn } = createTestContext();
    const { id } = signIn(admin.record);
    for (const method of ['GET', 'HEAD']) {
      expect((await authenticate(createRequest(method, { cookie: `meridian_session=${id}` }), context)).id).toBe(
        admin.record.id,
      );
    }
  });

  it('requires the session CSRF token on any other method', async () => {
    const { context, admin, signIn } = createTestContext();
    const { id, session } = signIn(admin.record);
    const other = signIn(admin.record).session.csrfToken;
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      const cookie = `meridian_session=${id}`;
      expect((await readFailure(() => authenticate(createRequest(method, { cookie }), context)))?.code).toBe(
        'csrf_failed',
      );
      expect(
        (await readFailure(() => authenticate(createRequest(method, { cookie, 'x-csrf-token': other }), context)))
          ?.code,
      ).toBe('csrf_failed');
      const request = createRequest(method, { cookie, 'x-csrf-token': session.csrfToken });
      expect((await authenticate(request, context)).id).toBe(admin.record.id);
    }
  });

  it('lets an explicit key header win over the cookie, without a CSRF check', async () => {
    const { context, admin, member, signIn } = createTestContext();
    const cookie = `meridian_session=${signIn(admin.record).id}`;
    const withBearer = createRequest('POST', { cookie, authorization: `Bearer ${member.secret}` });
    expect((await authenticate(withBearer, context)).id).toBe(member.record.id);
    const withApiKey = createRequest('DELETE', { cookie, 'x-api-key': member.secret });
    expect((await authenticate(withApiKey, context)).id).toBe(member.record.id);
    // A malformed header still wins: the cookie is not a fallback for a bad key.
    expect(
      await readFailure(() => authenticate(createRequest('GET', { cookie, authorization: 'Basic x' }), context)),
    ).toEqual({ code: 'authentication_failed', message: 'Missing API key. Send it as "Authorization: Bearer <key>".' });
  });

  it('refuses a cookie naming no session', async () => {
    const { context } = createTestContext();
    expect(
      await readFailure(() =>
        authenticate(createRequest('GET', { cookie: `meridian_session=${'A'.repeat(43)}` }), context),
      ),
    ).toEqual(ended);
    expect(
      await readFailure(() => authenticate(createRequest('GET', { cookie: 'meridian_session=short' }), context)),
    ).toEqual(ended);
  });

  it('ends a session idle past its timeout', async () => {
    const { context, clock, member, signIn } = createTestContext();
    const cookie = `meridian_session=${signIn(member.record).id}`;
    clock.nowMs += 30 * minuteMs - 1;
    expect((await authenticate(createRequest('GET', { cookie }), context)).id).toBe(member.record.id);
    clock.nowMs += 30 * minuteMs;
    expect(await readFailure(() => authenticate(createRequest('GET', { cookie }), context))).toEqual(ended);
  });

  it.each([
    [
      'revoked through the key service',
      (t: ReturnType<typeof createTestContext>) => t.keys.revokeKey(t.member.record.id),
    ],
    [
      'revoked in storage by another process (no cache delay)',
      (t: ReturnType<typeof createTestContext>) => t.storage.keys.revokeKey(t.member.record.id, t.clock.nowMs),
    ],
    [
      'disabled',
      (t: ReturnType<typeof createTestContext>) => t.keys.updateKey(t.member.record.id, { isDisabled: true }),
    ],
    [
      'expired',
      (t: ReturnType<typeof createTestContext>) => t.keys.updateKey(t.member.record.id, { expiresAtMs: t.clock.nowMs }),
    ],
  ])('ends the session at once when its key is %s after sign-in', async (_name, change) => {
    const test = createTestContext();
    const cookie = `meridian_session=${test.signIn(test.member.record).id}`;
    expect((await authenticate(createRequest('GET', { cookie }), test.context)).id).toBe(test.member.record.id);
    change(test);
    expect(await readFailure(() => authenticate(createRequest('GET', { cookie }), test.context))).toEqual(ended);
    expect(test.sessions.size).toBe(0);
  });

  it('ends a session whose key secret changed since sign-in (its digest no longer matches)', async () => {
    const { context, member, sessions } = createTestContext();
    const { id } = sessions.open({ id: member.record.id, digest: 'a-digest-of-an-older-secret' }, 1_000_000);
    expect(
      await readFailure(() => authenticate(createRequest('GET', { cookie: `meridian_session=${id}` }), context)),
    ).toEqual(ended);
  });
});

describe('readSessionKey', () => {
  it('is the key of a live session cookie, and undefined (never a failure) otherwise', async () => {
    const { context, member, signIn } = createTestContext();
    const cookie = `meridian_session=${signIn(member.record).id}`;
    expect((await readSessionKey(createRequest('GET', { cookie }), context))?.id).toBe(member.record.id);
    expect(await readSessionKey(createRequest('GET', {}), context)).toBeUndefined();
    expect(
      await readSessionKey(createRequest('GET', { cookie: `meridian_session=${'B'.repeat(43)}` }), context),
    ).toBeUndefined();
    expect(await readSessionKey(createRequest('GET', { cookie, authorization: 'Bearer x' }), context)).toBeUndefined();
  });
});
