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

  it('rotates a member key: the new secret works, the old one is revoked; a revoked key is not rotated', async () => {
    const exchange = setUp();
    const old = await createKey(exchange, { name: 'ci', org_id: 'acme', limit: '5.00' });
    const options = { keys: exchange.keys, requestId: 'req-4' };
    const rotated = createTestResponse();
    await rotateKeyRoute(rotated.response, { ...options, id: old.data.id });
    expect(exchange.sqlite.keys.findKeyById(old.data.id)?.revokedAtMs).toBe(1_000_000);
    const answer = rotated.read() as {
      status: number;
      body: { key: string; rotated_from: string; data: RenderedKey };
    };
    expect([answer.status, answer.body.rotated_from, answer.body.data.name, answer.body.data.limit]).toEqual([
      201,
      old.data.id,
      'ci',
      5,
    ]);
    expect((await exchange.keys.authenticate(answer.body.key))?.id).toBe(answer.body.data.id);
    expect(await exchange.keys.authenticate(old.secret)).toBeUndefined();
    await expect(rotateKeyRoute(createTestResponse().response, { ...options, id: old.data.id })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: `No active member key '${old.data.id}'.`,
    });
    const listed = createTestResponse();
    await listKeysRoute(listed.response, exchange.keys, 'req-5');
    const rows = (listed.read().body as { data: RenderedKey[] }).data;
    expect(rows.map((row) => [row.id, row.revoked]).sort()).toEqual(
      [
        [old.data.id, true],
        [answer.body.data.id, false],
      ].sort(),
    );
  });
});
