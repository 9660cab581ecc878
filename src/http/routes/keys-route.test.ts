import { afterEach, describe, expect, it } from 'vitest';
import { createKeyService } from '../../keys/index.js';
import type { Storage } from '../../storage/index.js';
import { createKeyRoute, listKeysRoute, revokeKeyRoute, rotateKeyRoute, updateKeyRoute } from './keys-route.js';
import { createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

/** Org `acme`, and the key service over key and org stores that answer through promises (as on PostgreSQL). */
function setUp() {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  const keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 7), now: () => 1_000_000 });
  return { sqlite, storage, keys };
}

type Exchange = ReturnType<typeof setUp>;

/** The fields of `renderKey` these tests read. */
interface RenderedKey {
  readonly id: string;
  readonly name: string;
  readonly org_id: string;
  readonly role: string;
  readonly disabled: boolean;
  readonly revoked: boolean;
  readonly limit: number | null;
}

async function createKey(exchange: Exchange, body: unknown) {
  const { response, read } = createTestResponse();
  await createKeyRoute(response, { body, keys: exchange.keys, orgs: exchange.storage.orgs, requestId: 'req-1' });
  const answer = read();
  const created = answer.body as { key: string; data: RenderedKey };
  return { status: answer.status, secret: created.key, data: created.data };
}

describe('key routes over stores answering through promises', () => {
  it('creates a key in an existing org only', async () => {
    const exchange = setUp();
    await expect(createKey(exchange, { name: 'ci', org_id: 'nope' })).rejects.toMatchObject({
      code: 'invalid_request',
      param: 'org_id',
      message: "Org 'nope' does not exist.",
    });
    expect(exchange.sqlite.keys.listKeys(undefined)).toEqual([]);
    const created = await createKey(exchange, { name: ' ci ', org_id: 'acme' });
    expect([created.status, created.data.org_id, created.data.name, created.data.role, created.data.revoked]).toEqual([
      201,
      'acme',
      'ci',
      'member',
      false,
    ]);
    expect((await exchange.keys.authenticate(created.secret))?.id).toBe(created.data.id);
  });

  it('revokes a key at once, and answers 404 for an unknown id', async () => {
    const exchange = setUp();
    const created = await createKey(exchange, { name: 'ci', org_id: 'acme' });
    const options = { keys: exchange.keys, requestId: 'req-2' };
    await expect(revokeKeyRoute(createTestResponse().response, { ...options, id: 'key_nope' })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: "Key 'key_nope' not found.",
    });
    const revoked = createTestResponse();
    await revokeKeyRoute(revoked.response, { ...options, id: created.data.id });
    expect(revoked.read()).toEqual({ status: 200, body: { deleted: true, id: created.data.id } });
    expect(await exchange.keys.authenticate(created.secret)).toBeUndefined();
  });

  it('updates a key, and answers 404 for an unknown id', async () => {
    const exchange = setUp();
    const created = await createKey(exchange, { name: 'ci', org_id: 'acme' });
    const options = { keys: exchange.keys, requestId: 'req-3', body: { disabled: true, name: 'ci-2' } };
    await expect(updateKeyRoute(createTestResponse().response, { ...options, id: 'key_nope' })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: "Key 'key_nope' not found.",
    });
    const updated = createTestResponse();
    await updateKeyRoute(updated.response, { ...options, id: created.data.id });
    const answer = updated.read() as { status: number; body: { data: RenderedKey } };
    expect([answer.status, answer.body.data.id, answer.body.data.name, answer.body.data.disabled]).toEqual([
      200,
      created.data.id,
      'ci-2',
      true,
    ]);
    expect(exchange.sqlite.keys.findKeyById(created.data.id)?.isDisabled).toBe(true);
  });

  it('rotates a member key: a new secret for the same key, settings and disabled state kept; the old secret fails', async () => {
    const exchange = setUp();
    const old = await createKey(exchange, { name: 'ci', org_id: 'acme', limit: '5.00', limit_reset: 'daily' });
    const options = { keys: exchange.keys, requestId: 'req-4' };
    const rotate = async (id: string) => {
      const rotated = createTestResponse();
      await rotateKeyRoute(rotated.response, { ...options, id });
      return rotated.read() as { status: number; body: { key: string; rotated_from: string; data: RenderedKey } };
    };
    const answer = await rotate(old.data.id);
    // Only the label (the secret's first and last characters) changes.
    const label = `${answer.body.key.slice(0, 14)}...${answer.body.key.slice(-4)}`;
    expect([answer.status, answer.body.rotated_from, answer.body.data]).toEqual([
      201,
      old.data.id,
      { ...old.data, label },
    ]);
    expect(answer.body.key).not.toBe(old.secret);
    // Same id: what it spent in its limit's window, and its rate-limit windows, stay with it.
    expect((await exchange.keys.authenticate(answer.body.key))?.id).toBe(old.data.id);
    expect(await exchange.keys.authenticate(old.secret)).toBeUndefined();
    const stored = exchange.sqlite.keys.findKeyById(old.data.id)!;
    expect([stored.revokedAtMs, stored.limitNanos, stored.limitReset, stored.lastFour]).toEqual([
      null,
      5_000_000_000n,
      'daily',
      answer.body.key.slice(-4),
    ]);

    // A disabled key stays disabled.
    const patched = createTestResponse();
    await updateKeyRoute(patched.response, { ...options, id: old.data.id, body: { disabled: true } });
    const again = await rotate(old.data.id);
    expect(again.body.data.disabled).toBe(true);
    expect(await exchange.keys.authenticate(again.body.key)).toBeUndefined();
    expect(await exchange.keys.authenticate(answer.body.key)).toBeUndefined();

    await exchange.keys.revokeKey(old.data.id);
    await expect(rotateKeyRoute(createTestResponse().response, { ...options, id: old.data.id })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: `No active member key '${old.data.id}'.`,
    });
    const listed = createTestResponse();
    await listKeysRoute(listed.response, exchange.keys, 'req-5');
    const rows = (listed.read().body as { data: RenderedKey[] }).data;
    expect(rows.map((row) => [row.id, row.revoked])).toEqual([[old.data.id, true]]);
  });

  it('takes rate limits up to keyRateLimitMax, and names the bound when refusing more', async () => {
    const exchange = setUp();
    const largest = await createKey(exchange, { name: 'ci', org_id: 'acme', tokens_per_minute: 1_000_000_000 });
    expect(largest.status).toBe(201);
    for (const [field, value] of [
      ['tokens_per_minute', 1_000_000_001],
      ['concurrency', 0],
    ] as const) {
      await expect(createKey(exchange, { name: 'other', org_id: 'acme', [field]: value })).rejects.toMatchObject({
        code: 'invalid_request',
        param: field,
        message: `${field}: must be an integer from 1 to 1000000000, or null.`,
      });
    }
  });

  it('creates a key disabled when asked', async () => {
    const exchange = setUp();
    const created = await createKey(exchange, { name: 'later', org_id: 'acme', disabled: true });
    expect([created.status, created.data.disabled]).toEqual([201, true]);
    expect(await exchange.keys.authenticate(created.secret)).toBeUndefined();
  });

  it('reads expires_at as ISO 8601 in UTC or with its zone, and refuses anything else', async () => {
    const exchange = setUp();
    const expiry = async (value: unknown) =>
      (await createKey(exchange, { name: 'e', org_id: 'acme', expires_at: value })).data as unknown as {
        expires_at: string | null;
      };
    expect((await expiry('2030-01-01')).expires_at).toBe('2030-01-01T00:00:00.000Z');
    expect((await expiry('2030-01-01T05:00:00+05:00')).expires_at).toBe('2030-01-01T00:00:00.000Z');
    expect((await expiry('2030-01-01T00:00Z')).expires_at).toBe('2030-01-01T00:00:00.000Z');
    for (const bad of ['0', 'Dec 25, 2030', '2030-01-01T00:00:00', '2026-02-30', '2030-01-01T24:00:00Z', 20300101]) {
      await expect(expiry(bad)).rejects.toMatchObject({ code: 'invalid_request', param: 'expires_at' });
    }
  });
});
