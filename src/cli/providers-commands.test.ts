import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { providerSecretPurpose } from '../catalog/index.js';
import { parseOutboundAllowList } from '../net/index.js';
import { createTestProvider } from '../routing/test-support.js';
import { openSecret, readSealedKeyId, sealSecret } from '../secrets/index.js';
import { createTestKeyring, testKeyText } from '../secrets/test-support.js';
import { openSqliteStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { checkProviders, rotateProviderKeys } from './providers-commands.js';
import type { CheckTarget } from './providers-commands.js';

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
  it('re-seals old keys under the current key id and leaves current and keyless ones alone', async () => {
    const store = createStore([
      ['old-one', ['k1', 1]],
      ['current', ['k2', 2]],
      ['keyless', null],
      ['old-two', ['k1', 1]],
    ]);
    expect(await rotateProviderKeys(store, env)).toEqual({
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

  it('reports keys it cannot open and says the old key ids must stay', async () => {
    const store = createStore([
      ['old-one', ['k1', 1]],
      ['foreign', ['k0', 7]],
    ]);
    expect(await rotateProviderKeys(store, env)).toEqual({
      lines: [
        'Re-sealed 1 provider key(s) under key id k2; 0 already under it; 1 could not be opened.',
        '  foreign: secret_key_unknown (key id k0)',
        'Keep the old key ids in MERIDIAN_MASTER_KEYS until every key is re-sealed.',
      ],
      isComplete: false,
    });
    expect(store.findProvider('foreign')!.apiKey!.keyId).toBe('k0');
  });

  it('refuses to run without master keys', async () => {
    await expect(rotateProviderKeys(createStore([]), {})).rejects.toThrow('MERIDIAN_MASTER_KEYS is not set');
  });
});

describe('checkProviders', () => {
  it('keeps at most concurrencyMax probes in flight and prints the rows in the targets’ order', async () => {
    let inFlight = 0;
    let inFlightMax = 0;
    // Each answer is held a moment, so probes past the bound would be seen in flight together.
    const server = createServer((request, response) => {
      inFlight += 1;
      inFlightMax = Math.max(inFlightMax, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        response.writeHead(request.url === '/p3/models' ? 503 : 200).end('{}');
      }, 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const targets: CheckTarget[] = [
      { id: 'box', kind: 'skipped', detail: 'built-in sandbox (runs inside meridian serve)' },
      ...[1, 2, 3, 4].map((index): CheckTarget => ({
        id: `p${index}`,
        kind: 'probe',
        provider: createTestProvider(`p${index}`, { baseUrl: `${base}/p${index}` }),
      })),
      { id: 'vault', kind: 'not-serving', detail: 'not serving: secrets_unavailable' },
    ];
    try {
      const report = await checkProviders(targets, {
        allowList: parseOutboundAllowList([]),
        timeoutMs: 5_000,
        concurrencyMax: 2,
      });
      expect(report.lines.map((line) => line.replace(/\t\d+ ms\t/, '\t<n> ms\t'))).toEqual([
        'box\tskipped\t-\tbuilt-in sandbox (runs inside meridian serve)',
        'p1\tok\t<n> ms\tHTTP 200',
        'p2\tok\t<n> ms\tHTTP 200',
        'p3\terror\t<n> ms\tHTTP 503',
        'p4\tok\t<n> ms\tHTTP 200',
        'vault\terror\t-\tnot serving: secrets_unavailable',
      ]);
      expect(report.summary).toBe('Checked 6 provider(s): 3 ok, 2 error, 1 skipped.');
      expect(report.failedCount).toBe(2);
      expect(inFlightMax).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
