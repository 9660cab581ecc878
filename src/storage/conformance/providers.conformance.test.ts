import { afterAll, expect, it } from 'vitest';
import { openSecret } from '../../secrets/index.js';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { ProviderStore } from '../ports.js';
import { createPostgresProviderStore } from '../postgres/postgres-provider-store.js';
import { createSqliteProviderStore } from '../sqlite/sqlite-provider-store.js';
import { describeEachDriver } from './driver-test-support.js';
import { openSecondPool, openSqliteNodes } from './two-node-test-support.js';
import {
  createProviderRecord as createRecord,
  providerPlainKey as plainKey,
  providerTestKeyring as keyring,
} from '../provider-record-test-support.js';

interface ProviderPorts {
  readonly providers: AsyncPort<ProviderStore>;
  /** The same providers seen from another node (a second connection or pool). */
  readonly otherNodeProviders: AsyncPort<ProviderStore>;
  /** Every stored providers row, all columns, as JSON text (to prove what is and is not stored). */
  readonly readRawRows: () => Promise<string>;
  readonly closeOtherNode: () => Promise<void>;
}

describeEachDriver<ProviderPorts>(
  'ProviderStore conformance',
  {
    sqlite: () => {
      const nodes = openSqliteNodes();
      return {
        ports: {
          providers: toAsyncPort(createSqliteProviderStore(nodes.first)),
          otherNodeProviders: toAsyncPort(createSqliteProviderStore(nodes.second)),
          readRawRows: () => Promise.resolve(JSON.stringify(nodes.first.prepare('SELECT * FROM providers').all())),
          closeOtherNode: () => Promise.resolve(),
        },
        close: () => nodes.close(),
      };
    },
    postgres: (pool) => {
      const otherPool = openSecondPool(pool);
      return {
        providers: createPostgresProviderStore(pool),
        otherNodeProviders: createPostgresProviderStore(otherPool),
        readRawRows: async () => {
          const { rows } = await pool.query<{ row: string }>(
            'SELECT row_to_json(providers)::text AS row FROM providers',
          );
          return rows.map((item) => item.row).join('\n');
        },
        closeOtherNode: () => otherPool.end(),
      };
    },
  },
  (context) => {
    afterAll(() => context.ports.closeOtherNode());

    it('stores the sealed key and its key id, never the key, and reads the record back whole', async () => {
      const { providers, readRawRows } = context.ports;
      const record = createRecord('acme-llm');
      expect(await providers.insertProvider(record)).toBe(true);
      const raw = await readRawRows();
      expect(raw).not.toContain(plainKey);
      expect(raw).toContain(record.apiKey!.sealed);
      expect(record.apiKey!.sealed.startsWith('v1:k1:')).toBe(true);
      expect(await providers.findProvider('acme-llm')).toEqual(record);
      const found = await providers.findProvider('acme-llm');
      expect(openSecret(found!.apiKey!.sealed, { keyring, purpose: 'provider:acme-llm' })).toBe(plainKey);
    });

    it('keeps the declared models exactly as written, key order included', async () => {
      const { providers } = context.ports;
      const record = createRecord('exact-models', {
        apiKey: null,
        models: [
          {
            upstreamModel: 'zeta',
            id: 'acme/zeta',
            name: 'Zeta «β» 模型',
            author: 'acme',
            origin: 'CN',
            contextLength: 1_048_576,
            pricing: { completion: '0.000001', prompt: '12.50', reasoning: '3', cacheWrite: '0.1' },
            maxOutputTokens: 65_536,
          },
        ],
      });
      await providers.insertProvider(record);
      const found = await providers.findProvider('exact-models');
      expect(found).toEqual(record);
      expect(JSON.stringify(found!.models)).toBe(JSON.stringify(record.models));
    });

    it('refuses a taken id, lists oldest first, patches only the given fields and deletes', async () => {
      const { providers } = context.ports;
      expect(
        await providers.insertProvider(createRecord('b-provider', { createdAtMs: 2_000, updatedAtMs: 2_000 })),
      ).toBe(true);
      expect(
        await providers.insertProvider(createRecord('a-provider', { createdAtMs: 3_000, updatedAtMs: 3_000 })),
      ).toBe(true);
      expect(
        await providers.insertProvider(createRecord('a-provider', { baseUrl: 'https://taken.example.test' })),
      ).toBe(false);
      const listed = (await providers.listProviders()).filter((record) => record.id.endsWith('-provider'));
      expect(listed.map((record) => [record.id, record.baseUrl])).toEqual([
        ['b-provider', 'https://api.example.test/v1'],
        ['a-provider', 'https://api.example.test/v1'],
      ]);
      const updated = await providers.updateProvider('a-provider', { apiKey: null }, 4_000);
      expect(updated).toEqual({ ...createRecord('a-provider'), apiKey: null, createdAtMs: 3_000, updatedAtMs: 4_000 });
      expect(await providers.findProvider('a-provider')).toEqual(updated);
      expect(await providers.updateProvider('nobody', { baseUrl: 'https://x.example.test' }, 5_000)).toBeUndefined();
      expect(await providers.deleteProvider('a-provider')).toBe(true);
      expect(await providers.deleteProvider('a-provider')).toBe(false);
      expect(
        (await providers.listProviders()).map((record) => record.id).filter((id) => id.endsWith('-provider')),
      ).toEqual(['b-provider']);
    });

    it('lists ties in byte order of the id', async () => {
      const { providers } = context.ports;
      for (const id of ['tie-b', 'tie-B', 'tie-a']) {
        await providers.insertProvider(createRecord(id, { createdAtMs: 9_000, updatedAtMs: 9_000 }));
      }
      const ids = (await providers.listProviders()).map((record) => record.id).filter((id) => id.startsWith('tie-'));
      expect(ids).toEqual(['tie-B', 'tie-a', 'tie-b']);
    });

    it('replaces sealed keys only where the row still holds the sealed text the rotation read', async () => {
      const { providers } = context.ports;
      const first = createRecord('first');
      const second = createRecord('second');
      const keyless = createRecord('keyless', { apiKey: null });
      for (const record of [first, second, keyless]) await providers.insertProvider(record);
      const written = await providers.replaceSealedKeys([
        { id: 'first', previousSealed: first.apiKey!.sealed, sealed: 'v1:k2:new-first', keyId: 'k2' },
        { id: 'second', previousSealed: 'v1:k1:replaced-meanwhile', sealed: 'v1:k2:new-second', keyId: 'k2' },
        { id: 'keyless', previousSealed: 'v1:k1:none', sealed: 'v1:k2:new-keyless', keyId: 'k2' },
        { id: 'nobody', previousSealed: 'v1:k1:none', sealed: 'v1:k2:new-nobody', keyId: 'k2' },
      ]);
      expect(written).toBe(1);
      expect((await providers.findProvider('first'))!.apiKey).toEqual({
        sealed: 'v1:k2:new-first',
        keyId: 'k2',
        lastFour: 'cdef',
      });
      expect((await providers.findProvider('first'))!.updatedAtMs).toBe(1_000);
      expect((await providers.findProvider('second'))!.apiKey).toEqual(second.apiKey);
      expect((await providers.findProvider('keyless'))!.apiKey).toBeNull();
      expect(await providers.replaceSealedKeys([])).toBe(0);
    });

    it('applies rotations in order within one call, like one transaction', async () => {
      const { providers } = context.ports;
      const record = createRecord('chained');
      await providers.insertProvider(record);
      const written = await providers.replaceSealedKeys([
        { id: 'chained', previousSealed: record.apiKey!.sealed, sealed: 'v1:k2:step-one', keyId: 'k2' },
        { id: 'chained', previousSealed: 'v1:k2:step-one', sealed: 'v1:k3:step-two', keyId: 'k3' },
      ]);
      expect(written).toBe(2);
      expect((await providers.findProvider('chained'))!.apiKey).toEqual({
        sealed: 'v1:k3:step-two',
        keyId: 'k3',
        lastFour: 'cdef',
      });
    });

    it('keeps every field of concurrent patches from two nodes, and one insert of a raced id', async () => {
      const { providers, otherNodeProviders } = context.ports;
      const inserts = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? providers : otherNodeProviders).insertProvider(
            createRecord('raced', { baseUrl: `https://node-${index}.example.test/v1` }),
          ),
        ),
      );
      expect(inserts.filter(Boolean)).toHaveLength(1);
      const winnerBaseUrl = `https://node-${inserts.indexOf(true)}.example.test/v1`;
      expect((await providers.findProvider('raced'))!.baseUrl).toBe(winnerBaseUrl);
      const newKey = { sealed: 'v1:k2:raced', keyId: 'k2', lastFour: 'wxyz' };
      const newModels = [{ ...createRecord('raced').models[0]!, id: 'acme/model-two', upstreamModel: 'model-two' }];
      await Promise.all([
        providers.updateProvider('raced', { baseUrl: 'https://patched.example.test/v1' }, 2_000),
        otherNodeProviders.updateProvider('raced', { apiKey: newKey }, 2_000),
        providers.updateProvider('raced', { models: newModels }, 2_000),
      ]);
      expect(await otherNodeProviders.findProvider('raced')).toEqual({
        ...createRecord('raced'),
        baseUrl: 'https://patched.example.test/v1',
        apiKey: newKey,
        models: newModels,
        updatedAtMs: 2_000,
      });
    });
  },
);
