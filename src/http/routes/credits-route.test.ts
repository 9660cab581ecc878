import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/index.js';
import { createKeyRecord } from '../../storage/key-record-test-support.js';
import {
  createCreditCodesRoute,
  createOrgRoute,
  grantCreditsRoute,
  listOrgsRoute,
  redeemCreditCodeRoute,
  sendCredits,
  sendCurrentKey,
} from './credits-route.js';
import { createRouteTestApp, createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

/** Org `acme` over stores and a ledger that answer through promises (as on PostgreSQL). */
function setUp() {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  return { sqlite, app: createRouteTestApp({ storage, nowMs: Date.parse('2026-12-01T10:00:00Z') }) };
}

/** `renderOrg` of an org with no markup and logging off, holding `availableUsd` and nothing charged or held. */
function renderedOrg(id: string, name: string, availableUsd: number, markupBasisPoints = 0) {
  return {
    id,
    name,
    markup_basis_points: markupBasisPoints,
    total_credits: availableUsd,
    total_usage: 0,
    available: availableUsd,
    held: 0,
    total_credits_nanos: String(BigInt(availableUsd) * 1_000_000_000n),
    total_usage_nanos: '0',
    available_nanos: String(BigInt(availableUsd) * 1_000_000_000n),
    held_nanos: '0',
    prompt_logging: { enabled: false, retention_days: 30 },
  };
}

describe('credit and org routes over stores answering through promises', () => {
  it('grants to an existing org only, once per grant id; a grant id reused for another amount is 409', async () => {
    const { sqlite, app } = setUp();
    const grant = async (orgId: string, body: unknown) => {
      const { response, read } = createTestResponse();
      await grantCreditsRoute(response, app, { orgId, body, requestId: 'req-1' });
      return read();
    };
    await expect(grant('nope', { amount: '25.00' })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: "Org 'nope' not found.",
    });
    const body = { amount: '25.00', grant_id: 'pay-1' };
    const data = renderedOrg('acme', 'Acme', 25);
    expect(await grant('acme', body)).toEqual({ status: 201, body: { granted: true, grant_id: 'pay-1', data } });
    expect(await grant('acme', body)).toEqual({ status: 200, body: { granted: false, grant_id: 'pay-1', data } });
    await expect(grant('acme', { ...body, amount: '30.00' })).rejects.toMatchObject({
      code: 'idempotency_conflict',
      param: 'grant_id',
    });
    expect(sqlite.ledger.balance('acme').availableNanos).toBe(25_000_000_000n);
  });

  it('creates an org, sets its markup on a second call, and lists every org with its balance', async () => {
    const { sqlite, app } = setUp();
    const create = async (body: unknown) => {
      const { response, read } = createTestResponse();
      await createOrgRoute(response, app, body, 'req-2');
      return read();
    };
    expect(await create({ id: 'beta', name: 'Beta', markup_basis_points: 250 })).toEqual({
      status: 201,
      body: { data: renderedOrg('beta', 'Beta', 0, 250) },
    });
    expect(await create({ id: 'beta', markup_basis_points: 500 })).toEqual({
      status: 200,
      body: { data: renderedOrg('beta', 'Beta', 0, 500) },
    });
    expect(sqlite.orgs.findOrg('beta')?.markupBasisPoints).toBe(500);
    const listed = createTestResponse();
    await listOrgsRoute(listed.response, app, 'req-3');
    expect(listed.read()).toEqual({
      status: 200,
      body: { data: [renderedOrg('acme', 'Acme', 0), renderedOrg('beta', 'Beta', 0, 500)] },
    });
  });

  it('changes only the fields a second call names: no markup keeps the markup, a name renames', async () => {
    const { sqlite, app } = setUp();
    const create = async (body: unknown) => {
      const { response, read } = createTestResponse();
      await createOrgRoute(response, app, body, 'req-2');
      return read();
    };
    await create({ id: 'gamma', name: 'Gamma', markup_basis_points: 2_500 });
    expect(await create({ id: 'gamma', name: 'Gamma Two' })).toEqual({
      status: 200,
      body: { data: renderedOrg('gamma', 'Gamma Two', 0, 2_500) },
    });
    expect(await create({ id: 'gamma' })).toEqual({
      status: 200,
      body: { data: renderedOrg('gamma', 'Gamma Two', 0, 2_500) },
    });
    // The markup the node prices the next call with is still the org's.
    expect(await app.orgMarkups.read('gamma')).toBe(2_500);
    expect(sqlite.orgs.findOrg('gamma')?.markupBasisPoints).toBe(2_500);
    for (const [body, param] of [
      [{ id: 'gamma', name: 'x'.repeat(201) }, 'name'],
      [{ id: 'gamma', name: '  ' }, 'name'],
      [{ id: 'gamma', name: 7 }, 'name'],
      [{ id: 'gamma', markup_basis_points: '2500' }, 'markup_basis_points'],
    ] as const) {
      await expect(create(body)).rejects.toMatchObject({ code: 'invalid_request', param });
    }
  });

  it('refuses a grant_id that is not a non-empty string, too long, or reserved for the config file or credit codes', async () => {
    const { sqlite, app } = setUp();
    const grant = async (body: unknown) => {
      const { response, read } = createTestResponse();
      await grantCreditsRoute(response, app, { orgId: 'acme', body, requestId: 'req-1' });
      return read();
    };
    for (const grantId of [777, '', 'x'.repeat(201), 'config:acme', 'code:0a1b', true, { id: 'p' }]) {
      await expect(grant({ amount: '1.00', grant_id: grantId })).rejects.toMatchObject({
        code: 'invalid_request',
        param: 'grant_id',
      });
    }
    expect(sqlite.ledger.balance('acme').grantedNanos).toBe(0n);
    expect((await grant({ amount: '1.00', grant_id: 'x'.repeat(200) })).status).toBe(201);
  });

  it('redeems a credit code once; an unknown or spent code is 404', async () => {
    const { app } = setUp();
    const created = createTestResponse();
    await createCreditCodesRoute(created.response, app, { amount: '10.00', count: 2 }, 'req-4');
    const answer = created.read() as {
      status: number;
      body: { codes: string[]; amount: number; amount_nanos: string };
    };
    const { codes, amount, amount_nanos: amountNanos } = answer.body;
    expect([answer.status, codes.length, new Set(codes).size, amount, amountNanos]).toEqual([
      201,
      2,
      2,
      10,
      '10000000000',
    ]);
    const key = createKeyRecord('key_member', { orgId: 'acme' });
    const redeem = async (code: string) => {
      const { response, read } = createTestResponse();
      await redeemCreditCodeRoute(response, app, { key, body: { code }, requestId: 'req-5' });
      return read();
    };
    const spent = { code: 'not_found', param: 'code', message: 'This credit code is unknown or already redeemed.' };
    await expect(redeem('MERIDIAN-NOT-A-CODE')).rejects.toMatchObject(spent);
    expect(await redeem(answer.body.codes[0]!)).toEqual({
      status: 200,
      body: { redeemed: 10, redeemed_nanos: '10000000000', data: renderedOrg('acme', 'Acme', 10) },
    });
    await expect(redeem(answer.body.codes[0]!)).rejects.toMatchObject(spent);
  });

  it('refuses a redeem body without a code string as 400 naming code, not as an unknown code', async () => {
    const { app } = setUp();
    const key = createKeyRecord('key_member', { orgId: 'acme' });
    for (const body of [{}, { code: 7 }, { code: null }, { code: ['mer-cc-x'] }, [], 'mer-cc-x']) {
      const { response } = createTestResponse();
      await expect(redeemCreditCodeRoute(response, app, { key, body, requestId: 'req-8' })).rejects.toMatchObject({
        code: 'invalid_request',
        param: 'code',
        message: 'code: must be a credit code string (mer-cc-…).',
      });
    }
  });

  it("answers the caller's credits and its key's spend against its limit", async () => {
    const { sqlite, app } = setUp();
    sqlite.ledger.grant({ grantId: 'pay-2', orgId: 'acme', amount: 7_500_000_000n, nowMs: 1 });
    const key = createKeyRecord('key_member', { orgId: 'acme', limitNanos: 5_000_000_000n });
    const credits = createTestResponse();
    await sendCredits(credits.response, app, key, 'req-6');
    expect(credits.read()).toEqual({
      status: 200,
      body: {
        data: {
          ...{ total_credits: 7.5, total_usage: 0, available: 7.5, held: 0, org_id: 'acme' },
          ...{ total_credits_nanos: '7500000000', total_usage_nanos: '0', available_nanos: '7500000000' },
          held_nanos: '0',
        },
      },
    });
    const current = createTestResponse();
    await sendCurrentKey(current.response, app, key, 'req-7');
    expect(current.read().body).toMatchObject({
      data: { id: 'key_member', usage: 0, held: 0, limit_remaining: 5, is_free_tier: false },
    });
  });

  it('answers every amount also as exact nano-USD text, where the JSON number rounds past 2^53 nano-USD', async () => {
    const { sqlite, app } = setUp();
    const nanos = 999_999_999_999_999_999n;
    sqlite.ledger.grant({ grantId: 'pay-3', orgId: 'acme', amount: nanos, nowMs: 1 });
    const credits = createTestResponse();
    await sendCredits(credits.response, app, createKeyRecord('key_member', { orgId: 'acme' }), 'req-9');
    expect(credits.read().body).toMatchObject({
      data: { total_credits: 1_000_000_000, total_credits_nanos: String(nanos), available_nanos: String(nanos) },
    });
    const key = createKeyRecord('key_member', { orgId: 'acme', limitNanos: nanos, limitReset: 'monthly' });
    const current = createTestResponse();
    await sendCurrentKey(current.response, app, key, 'req-10');
    expect(current.read().body).toMatchObject({
      data: {
        ...{ limit: 1_000_000_000, limit_nanos: String(nanos), usage_nanos: '0', held_nanos: '0' },
        limit_remaining_nanos: String(nanos),
      },
    });
  });
});
