import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSecret } from '../../secrets/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { createSqliteProviderStore } from './sqlite-provider-store.js';
import {
  createProviderRecord as createRecord,
  providerPlainKey as plainKey,
  providerTestKeyring as keyring,
} from '../provider-record-test-support.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function openStore(path = ':memory:') {
  const database = openSqliteDatabase({ path });
  migrateSqlite(database);
  return { database, store: createSqliteProviderStore(database) };
}

// Refusing, listing, patching, deleting and rotating are conformance cases on both drivers
// (src/storage/conformance/providers.conformance.test.ts).
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
});
