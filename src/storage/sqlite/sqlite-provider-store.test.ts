import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../../secrets/index.js';
import { createTestKeyring } from '../../secrets/test-support.js';
import type { ProviderRecord } from '../ports.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSqliteProviderStore } from './sqlite-provider-store.js';

const keyring = createTestKeyring(['k1', 1]);
const plainKey = 'sk-provider-store-canary-0123456789abcdef';

function createRecord(id: string, overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return {
    id,
    protocol: 'openai',
    baseUrl: 'https://api.example.test/v1',
    apiKey: { sealed: sealSecret(plainKey, { keyring, purpose: `provider:${id}` }), keyId: 'k1', lastFour: 'cdef' },
    models: [
      {
        id: 'acme/model-one',
        name: 'Model One',
        author: 'acme',
        origin: 'US',
        contextLength: 32_768,
        upstreamModel: 'model-one',
        pricing: { prompt: '0.5', completion: '1.5', cacheRead: '0.05' },
        maxOutputTokens: null,
      },
    ],
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    ...overrides,
  };
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function openStore(path = ':memory:') {
  const database = openSqliteDatabase({ path });
  migrateSqlite(database);
  return { database, store: createSqliteProviderStore(database) };
}

describe('createSqliteProviderStore', () => {
  it('stores the sealed key and its key id, never the key, and reads the record back whole', () => {
    const { database, store } = openStore();
    const record = createRecord('acme-llm');
    expect(store.insertProvider(record)).toBe(true);
    const row = database.prepare('SELECT * FROM providers').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(plainKey);
    expect([row['sealed_api_key'], row['api_key_key_id'], row['api_key_last_four']]).toEqual([
      record.apiKey!.sealed,
      'k1',
      'cdef',
    ]);
    expect(String(row['sealed_api_key']).startsWith('v1:k1:')).toBe(true);
    expect(store.findProvider('acme-llm')).toEqual(record);
    expect(openSecret(store.findProvider('acme-llm')!.apiKey!.sealed, { keyring, purpose: 'provider:acme-llm' })).toBe(
      plainKey,
    );
    database.close();
  });

  it('leaves no trace of the key in the database files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'meridian-provider-store-'));
    directories.push(directory);
    const { database, store } = openStore(join(directory, 'meridian.db'));
    store.insertProvider(createRecord('acme-llm'));
    store.updateProvider('acme-llm', { baseUrl: 'https://other.example.test/v1' }, 2_000);
    database.close();
    const bytes = Buffer.concat(readdirSync(directory).map((name) => readFileSync(join(directory, name))));
    expect(bytes.includes(plainKey)).toBe(false);
    expect(bytes.includes('v1:k1:')).toBe(true);
  });

  it('refuses a taken id, lists oldest first, patches only the given fields and deletes', () => {
    const { database, store } = openStore();
    expect(store.insertProvider(createRecord('b-provider', { createdAtMs: 2_000, updatedAtMs: 2_000 }))).toBe(true);
    expect(store.insertProvider(createRecord('a-provider', { createdAtMs: 3_000, updatedAtMs: 3_000 }))).toBe(true);
    expect(store.insertProvider(createRecord('a-provider', { baseUrl: 'https://taken.example.test' }))).toBe(false);
    expect(store.listProviders().map((record) => [record.id, record.baseUrl])).toEqual([
      ['b-provider', 'https://api.example.test/v1'],
      ['a-provider', 'https://api.example.test/v1'],
    ]);
    const updated = store.updateProvider('a-provider', { apiKey: null }, 4_000);
    expect(updated).toEqual({ ...createRecord('a-provider'), apiKey: null, createdAtMs: 3_000, updatedAtMs: 4_000 });
    expect(store.findProvider('a-provider')).toEqual(updated);
    expect(store.updateProvider('nobody', { baseUrl: 'https://x.example.test' }, 5_000)).toBeUndefined();
    expect(store.deleteProvider('a-provider')).toBe(true);
    expect(store.deleteProvider('a-provider')).toBe(false);
    expect(store.listProviders().map((record) => record.id)).toEqual(['b-provider']);
    database.close();
  });

  it('replaces sealed keys only where the row still holds the sealed text the rotation read', () => {
    const { database, store } = openStore();
    const first = createRecord('first');
    const second = createRecord('second');
    store.insertProvider(first);
    store.insertProvider(second);
    const written = store.replaceSealedKeys([
      { id: 'first', previousSealed: first.apiKey!.sealed, sealed: 'v1:k2:new-first', keyId: 'k2' },
      { id: 'second', previousSealed: 'v1:k1:replaced-meanwhile', sealed: 'v1:k2:new-second', keyId: 'k2' },
    ]);
    expect(written).toBe(1);
    expect(store.findProvider('first')!.apiKey).toEqual({ sealed: 'v1:k2:new-first', keyId: 'k2', lastFour: 'cdef' });
    expect(store.findProvider('first')!.updatedAtMs).toBe(1_000);
    expect(store.findProvider('second')!.apiKey).toEqual(second.apiKey);
    database.close();
  });
});
