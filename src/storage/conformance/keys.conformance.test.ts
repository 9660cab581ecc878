import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import { createKeyRecord } from '../key-record-test-support.js';
import type { KeyStore, OrgStore } from '../ports.js';
import { createPostgresKeyStore } from '../postgres/postgres-key-store.js';
import { createPostgresOrgStore } from '../postgres/postgres-org-store.js';
import { createSqliteKeyStore } from '../sqlite/sqlite-key-store.js';
import { createSqliteOrgStore } from '../sqlite/sqlite-org-store.js';
import { describeEachDriver } from './driver-test-support.js';
import { openSecondPool, openSqliteNodes } from './two-node-test-support.js';

interface KeyPorts {
  readonly keys: AsyncPort<KeyStore>;
  readonly orgs: AsyncPort<OrgStore>;
  /** The same keys seen from another node (a second connection or pool). */
  readonly otherNodeKeys: AsyncPort<KeyStore>;
  readonly closeOtherNode: () => Promise<void>;
}

describeEachDriver<KeyPorts>(
  'KeyStore conformance',
  {
    sqlite: () => {
      const nodes = openSqliteNodes();
      return {
        ports: {
          keys: toAsyncPort(createSqliteKeyStore(nodes.first)),
          orgs: toAsyncPort(createSqliteOrgStore(nodes.first)),
          otherNodeKeys: toAsyncPort(createSqliteKeyStore(nodes.second)),
          closeOtherNode: () => Promise.resolve(),
        },
        close: () => nodes.close(),
      };
    },
    postgres: (pool) => {
      const otherPool = openSecondPool(pool);
      return {
        keys: createPostgresKeyStore(pool),
        orgs: createPostgresOrgStore(pool),
        otherNodeKeys: createPostgresKeyStore(otherPool),
        closeOtherNode: () => otherPool.end(),
      };
    },
  },
  (context) => {
    beforeAll(async () => {
      for (const id of ['default', 'acme']) {
        await context.ports.orgs.ensureOrg({ id, name: id, createdAtMs: 1, markupBasisPoints: 0 });
      }
    });
    afterAll(() => context.ports.closeOtherNode());

    it('patches limits, allow-list, expiry and the disable switch, keeping the rest', async () => {
      const { keys } = context.ports;
      await keys.insertKey(createKeyRecord('key_patch'));
      const updated = await keys.updateKey('key_patch', {
        isDisabled: true,
        limitNanos: 5_000_000_000n,
        limitReset: 'daily',
        allowedModels: ['deepseek/deepseek-v3.2'],
        rateLimits: { requestsPerMinute: 60 },
        expiresAtMs: 99,
      });
      expect(updated).toEqual(await keys.findKeyById('key_patch'));
      expect(updated).toEqual(
        createKeyRecord('key_patch', {
          isDisabled: true,
          limitNanos: 5_000_000_000n,
          limitReset: 'daily',
          allowedModels: ['deepseek/deepseek-v3.2'],
          expiresAtMs: 99,
          rateLimits: { requestsPerMinute: 60, tokensPerMinute: null, concurrencyMax: null },
        }),
      );
      expect(await keys.updateKey('key_missing', { isDisabled: true })).toBeUndefined();
    });

    it('clears a field patched to null, and keeps an empty allow-list and odd model names exactly', async () => {
      const { keys } = context.ports;
      const odd = ['a,b', 'quote"d', 'back\\slash', 'NULL', '{braces}', 'ünïcode/模型', ''];
      await keys.insertKey(
        createKeyRecord('key_clear', {
          limitNanos: 9n,
          expiresAtMs: 50,
          allowedModels: odd,
          rateLimits: { requestsPerMinute: 1, tokensPerMinute: 2, concurrencyMax: 3 },
        }),
      );
      expect((await keys.findKeyById('key_clear'))?.allowedModels).toEqual(odd);
      const cleared = await keys.updateKey('key_clear', {
        limitNanos: null,
        expiresAtMs: null,
        allowedModels: [],
        rateLimits: { tokensPerMinute: null },
      });
      expect(cleared).toEqual(
        createKeyRecord('key_clear', {
          allowedModels: [],
          rateLimits: { requestsPerMinute: 1, tokensPerMinute: null, concurrencyMax: 3 },
        }),
      );
      expect(await keys.updateKey('key_clear', { allowedModels: null })).toEqual({ ...cleared, allowedModels: null });
    });

    it('finds a key by digest and by id, limit above 2^53 included', async () => {
      const { keys } = context.ports;
      const key = createKeyRecord('a1', { role: 'admin', limitNanos: 2n ** 60n + 7n, limitReset: 'monthly' });
      await keys.insertKey(key);
      expect(await keys.findKeyByDigest(key.digest)).toEqual(key);
      expect(await keys.findKeyById('a1')).toEqual(key);
      expect(await keys.findKeyByDigest('f'.repeat(64))).toBeUndefined();
      expect(await keys.findKeyById('missing')).toBeUndefined();
    });

    it('lists keys of one org or of all, oldest first, ties in byte order of the id', async () => {
      const { keys, orgs } = context.ports;
      await orgs.ensureOrg({ id: 'list-x', name: 'X', createdAtMs: 1, markupBasisPoints: 0 });
      await orgs.ensureOrg({ id: 'list-y', name: 'Y', createdAtMs: 1, markupBasisPoints: 0 });
      const first = createKeyRecord('list-1', { orgId: 'list-x', createdAtMs: 10 });
      const second = createKeyRecord('list-2', { orgId: 'list-y', createdAtMs: 20 });
      const third = createKeyRecord('list-3', { orgId: 'list-x', createdAtMs: 30 });
      // 'B' (0x42) sorts before 'a' (0x61) in byte order, after it in most locales' collations.
      const upper = createKeyRecord('list-B', { orgId: 'list-x', createdAtMs: 40 });
      const lower = createKeyRecord('list-a', { orgId: 'list-x', createdAtMs: 40 });
      for (const key of [lower, third, first, upper, second]) await keys.insertKey(key);
      expect(await keys.listKeys('list-x')).toEqual([first, third, upper, lower]);
      expect(await keys.listKeys('list-y')).toEqual([second]);
      expect(await keys.listKeys('nobody')).toEqual([]);
      const all = await keys.listKeys(undefined);
      expect(all.filter((key) => key.id.startsWith('list-'))).toEqual([first, second, third, upper, lower]);
      expect(all.map((key) => key.createdAtMs)).toEqual(all.map((key) => key.createdAtMs).sort((a, b) => a - b));
    });

    it('revokes once, keeps the first revocation time, and counts only live keys by role', async () => {
      const { keys } = context.ports;
      const [adminsBefore, membersBefore] = [await keys.countKeysByRole('admin'), await keys.countKeysByRole('member')];
      await keys.insertKey(createKeyRecord('c1', { role: 'admin' }));
      await keys.insertKey(createKeyRecord('c2', { role: 'admin' }));
      await keys.insertKey(createKeyRecord('c3'));
      expect([await keys.countKeysByRole('admin'), await keys.countKeysByRole('member')]).toEqual([
        adminsBefore + 2,
        membersBefore + 1,
      ]);
      expect(await keys.revokeKey('c1', 9)).toBe(true);
      expect(await keys.revokeKey('c1', 10)).toBe(false);
      expect(await keys.revokeKey('missing', 10)).toBe(false);
      expect((await keys.findKeyById('c1'))?.revokedAtMs).toBe(9);
      expect(await keys.countKeysByRole('admin')).toBe(adminsBefore + 1);
    });

    it("replaces a live key's secret and nothing else; a revoked or unknown key keeps its own", async () => {
      const { keys, otherNodeKeys } = context.ports;
      const original = createKeyRecord('r1', { limitNanos: 2n ** 60n, limitReset: 'weekly', isDisabled: true });
      await keys.insertKey(original);
      const secret = { digest: 'f'.repeat(64), displayPrefix: 'sk-mer-v1-Zzzz', lastFour: 'QQQQ' };
      const replaced = { ...original, ...secret };
      expect(await keys.replaceSecret('r1', secret)).toEqual(replaced);
      expect(await otherNodeKeys.findKeyByDigest(secret.digest)).toEqual(replaced);
      expect(await otherNodeKeys.findKeyByDigest(original.digest)).toBeUndefined();

      await keys.insertKey(createKeyRecord('r2'));
      await expect(keys.replaceSecret('r2', secret)).rejects.toThrow('UNIQUE constraint failed: api_keys.digest');
      await keys.revokeKey('r2', 7);
      expect(await keys.replaceSecret('r2', { ...secret, digest: 'a'.repeat(64) })).toBeUndefined();
      expect((await keys.findKeyById('r2'))?.digest).toBe(createKeyRecord('r2').digest);
      expect(await keys.replaceSecret('missing', { ...secret, digest: 'b'.repeat(64) })).toBeUndefined();
    });

    it('refuses a duplicate digest, a duplicate id and a key of an unknown org, with the same messages', async () => {
      const { keys } = context.ports;
      const original = createKeyRecord('d1');
      await keys.insertKey(original);
      await expect(keys.insertKey(createKeyRecord('d2', { digest: original.digest }))).rejects.toThrow(
        'UNIQUE constraint failed: api_keys.digest',
      );
      await expect(keys.insertKey(createKeyRecord('d1', { digest: 'e'.repeat(64) }))).rejects.toThrow(
        'UNIQUE constraint failed: api_keys.id',
      );
      await expect(keys.insertKey(createKeyRecord('d3', { orgId: 'nobody' }))).rejects.toThrow(
        'FOREIGN KEY constraint failed',
      );
      expect(await keys.findKeyById('d1')).toEqual(original);
      expect(await keys.findKeyById('d2')).toBeUndefined();
      expect(await keys.findKeyById('d3')).toBeUndefined();
    });

    it('keeps every field of concurrent patches from two nodes', async () => {
      const { keys, otherNodeKeys } = context.ports;
      await keys.insertKey(createKeyRecord('key_race', { orgId: 'acme' }));
      await Promise.all([
        keys.updateKey('key_race', { name: 'renamed' }),
        otherNodeKeys.updateKey('key_race', { limitNanos: 7n, limitReset: 'weekly' }),
        keys.updateKey('key_race', { allowedModels: ['acme/one'] }),
        otherNodeKeys.updateKey('key_race', { rateLimits: { tokensPerMinute: 1_000 } }),
        keys.updateKey('key_race', { rateLimits: { concurrencyMax: 3 } }),
        otherNodeKeys.updateKey('key_race', { expiresAtMs: 123 }),
        keys.updateKey('key_race', { isDisabled: true }),
      ]);
      expect(await otherNodeKeys.findKeyById('key_race')).toEqual(
        createKeyRecord('key_race', {
          orgId: 'acme',
          name: 'renamed',
          limitNanos: 7n,
          limitReset: 'weekly',
          allowedModels: ['acme/one'],
          rateLimits: { requestsPerMinute: null, tokensPerMinute: 1_000, concurrencyMax: 3 },
          expiresAtMs: 123,
          isDisabled: true,
        }),
      );
    });

    it('revokes exactly once when two nodes revoke one key at the same time', async () => {
      const { keys, otherNodeKeys } = context.ports;
      await keys.insertKey(createKeyRecord('key_revoke_race'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? keys : otherNodeKeys).revokeKey('key_revoke_race', 1_000 + index),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winnerAtMs = 1_000 + results.indexOf(true);
      expect((await keys.findKeyById('key_revoke_race'))?.revokedAtMs).toBe(winnerAtMs);
    });
  },
);
