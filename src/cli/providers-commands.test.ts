import { afterEach, describe, expect, it } from 'vitest';
import { providerSecretPurpose } from '../catalog/index.js';
import { openSecret, readSealedKeyId, sealSecret } from '../secrets/index.js';
import { createTestKeyring, testKeyText } from '../secrets/test-support.js';
import { openSqliteStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { rotateProviderKeys } from './providers-commands.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

/** A store with providers whose keys are sealed under the given test keys (`[id, fill]`), or keyless. */
function createStore(providers: readonly (readonly [string, readonly [string, number] | null])[]) {
  const storage = openSqliteStorage({ path: ':memory:' });
  opened.push(storage);
  for (const [id, key] of providers) {
    const keyring = key === null ? undefined : createTestKeyring(key);
    storage.providers.insertProvider({
      id,
      protocol: 'openai',
      baseUrl: `https://${id}.test/v1`,
      apiKey:
        keyring === undefined
          ? null
          : {
              sealed: sealSecret(`sk-${id}`, { keyring, purpose: providerSecretPurpose(id) }),
              keyId: keyring.currentKeyId,
              lastFour: null,
            },
      models: [],
      createdAtMs: 1,
      updatedAtMs: 1,
    });
  }
  return storage.providers;
}

const env = { MERIDIAN_MASTER_KEYS: `k2:${testKeyText(2)},k1:${testKeyText(1)}` };

describe('rotateProviderKeys', () => {
  it('re-seals old keys under the current key id and leaves current and keyless ones alone', () => {
    const store = createStore([
      ['old-one', ['k1', 1]],
      ['current', ['k2', 2]],
      ['keyless', null],
      ['old-two', ['k1', 1]],
    ]);
    expect(rotateProviderKeys(store, env)).toEqual({
      lines: ['Re-sealed 2 provider key(s) under key id k2; 1 already under it; 0 could not be opened.'],
      isComplete: true,
    });
    const k2Only = createTestKeyring(['k2', 2]);
    expect(
      store
        .listProviders()
        .map((record) => [
          record.id,
          record.apiKey?.keyId,
          record.apiKey === null ? null : readSealedKeyId(record.apiKey.sealed),
          record.apiKey === null
            ? null
            : openSecret(record.apiKey.sealed, { keyring: k2Only, purpose: providerSecretPurpose(record.id) }),
        ]),
    ).toEqual([
      // Listed oldest first, then by id (all were created at the same instant).
      ['current', 'k2', 'k2', 'sk-current'],
      ['keyless', undefined, null, null],
      ['old-one', 'k2', 'k2', 'sk-old-one'],
      ['old-two', 'k2', 'k2', 'sk-old-two'],
    ]);
  });

  it('reports keys it cannot open and says the old key ids must stay', () => {
    const store = createStore([
      ['old-one', ['k1', 1]],
      ['foreign', ['k0', 7]],
    ]);
    expect(rotateProviderKeys(store, env)).toEqual({
      lines: [
        'Re-sealed 1 provider key(s) under key id k2; 0 already under it; 1 could not be opened.',
        '  foreign: secret_key_unknown (key id k0)',
        'Keep the old key ids in MERIDIAN_MASTER_KEYS until every key is re-sealed.',
      ],
      isComplete: false,
    });
    expect(store.findProvider('foreign')!.apiKey!.keyId).toBe('k0');
  });

  it('refuses to run without master keys', () => {
    expect(() => rotateProviderKeys(createStore([]), {})).toThrow('MERIDIAN_MASTER_KEYS is not set');
  });
});
