import { describe, expect, it } from 'vitest';
import { sealSecret } from '../secrets/index.js';
import { createTestKeyring } from '../secrets/test-support.js';
import { openSqliteStorage } from '../storage/index.js';
import { toAsyncPort } from '../storage/async-port.js';
import type { ProviderModelRecord, ProviderRecord } from '../storage/index.js';
import { buildCatalog } from './build-catalog.js';
import { createLiveCatalog, providerSecretPurpose } from './create-live-catalog.js';
import { joinApiProviders } from './join-api-providers.js';

/** The operator's catalog: one keyless local provider serving `acme/shared`. */
const base = buildCatalog({
  vendorFiles: [],
  configProviders: [{ id: 'local-vllm', protocol: 'openai', base_url: 'http://127.0.0.1:8000/v1', keyless: true }],
  configModels: [
    {
      id: 'acme/shared',
      name: 'Shared (operator)',
      author: 'acme',
      origin: 'US',
      context_length: 8_192,
      endpoints: [{ provider: 'local-vllm', model: 'shared', pricing: { prompt: '1', completion: '2' } }],
    },
  ],
  env: {},
  sandboxBaseUrl: undefined,
});

function declareModel(id: string, overrides: Partial<ProviderModelRecord> = {}): ProviderModelRecord {
  return {
    id,
    name: `${id} (declared)`,
    author: 'acme',
    origin: 'CN',
    contextLength: 32_768,
    upstreamModel: `${id.split('/')[1]}-upstream`,
    pricing: { prompt: '0.5', completion: '1.25', cacheRead: '0.05' },
    maxOutputTokens: 4_096,
    ...overrides,
  };
}

describe('joinApiProviders', () => {
  it('adds a guarded provider, new models and endpoints on existing ones, leaving the base untouched', () => {
    const joined = joinApiProviders(base, [
      {
        id: 'acme-cloud',
        protocol: 'anthropic',
        baseUrl: 'https://api.acme.test/v1/',
        apiKey: 'sk-acme',
        models: [declareModel('acme/new-model'), declareModel('acme/shared', { contextLength: 16_384 })],
      },
    ]);
    const provider = joined.catalog.providers.get('acme-cloud')!;
    expect([provider.protocol, provider.baseUrl, provider.apiKey, provider.authHeader, provider.isApiManaged]).toEqual([
      'anthropic-messages',
      'https://api.acme.test/v1',
      'sk-acme',
      'x-api-key',
      true,
    ]);
    const created = joined.catalog.models.get('acme/new-model')!;
    expect([created.name, created.origin, created.contextLength]).toEqual(['acme/new-model (declared)', 'CN', 32_768]);
    expect(created.endpoints.map((endpoint) => [endpoint.upstreamModel, endpoint.maxOutputTokens])).toEqual([
      ['new-model-upstream', 4_096],
    ]);
    expect(created.endpoints[0]!.prices).toMatchObject({
      promptNanosPerMillion: 500_000_000n,
      completionNanosPerMillion: 1_250_000_000n,
      cacheReadNanosPerMillion: 50_000_000n,
      cacheWriteNanosPerMillion: undefined,
    });
    const shared = joined.catalog.models.get('acme/shared')!;
    expect(shared.name).toBe('Shared (operator)');
    expect(shared.endpoints.map((endpoint) => [endpoint.provider.id, endpoint.contextLength])).toEqual([
      ['local-vllm', 8_192],
      ['acme-cloud', 16_384],
    ]);
    expect(base.models.get('acme/shared')!.endpoints).toHaveLength(1);
    expect(base.providers.has('acme-cloud')).toBe(false);
    expect(joined.catalog.knownModelIds.has('acme/new-model')).toBe(true);
    expect(joined.shadowedIds).toEqual([]);
  });

  it("prices 1-hour cache writes apart when the declared model says so (Anthropic's 2×), else leaves them to cache_write", () => {
    const pricing = { prompt: '3', completion: '15', cacheWrite: '3.75', cacheWrite1h: '6' };
    const joined = joinApiProviders(base, [
      {
        id: 'acme-claude',
        protocol: 'anthropic',
        baseUrl: 'https://api.acme.test/v1',
        apiKey: 'sk-acme',
        models: [declareModel('acme/one-hour', { pricing }), declareModel('acme/five-minutes')],
      },
    ]);
    const prices = (id: string) => joined.catalog.models.get(id)!.endpoints[0]!.prices;
    expect([
      prices('acme/one-hour').cacheWriteNanosPerMillion,
      prices('acme/one-hour').cacheWrite1hNanosPerMillion,
    ]).toEqual([3_750_000_000n, 6_000_000_000n]);
    expect(prices('acme/five-minutes').cacheWrite1hNanosPerMillion).toBeUndefined();
  });

  it("leaves out an API provider whose id the operator's catalog uses", () => {
    const joined = joinApiProviders(base, [
      { id: 'local-vllm', protocol: 'openai', baseUrl: 'https://x.test', apiKey: undefined, models: [] },
    ]);
    expect(joined.shadowedIds).toEqual(['local-vllm']);
    expect(joined.catalog.providers.get('local-vllm')!.isApiManaged).toBeUndefined();
  });
});

describe('createLiveCatalog', () => {
  const keyring = createTestKeyring(['k1', 1]);

  function createRecord(id: string, apiKey: string | null, sealedFor = id): ProviderRecord {
    return {
      id,
      protocol: 'openai',
      baseUrl: `https://${id}.test/v1`,
      apiKey:
        apiKey === null
          ? null
          : {
              sealed: sealSecret(apiKey, { keyring, purpose: providerSecretPurpose(sealedFor) }),
              keyId: 'k1',
              lastFour: null,
            },
      models: [declareModel(`acme/${id}`)],
      createdAtMs: 1,
      updatedAtMs: 1,
    };
  }

  it('follows the store on refresh through the same catalog object, and opens keys only with the keyring', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const problems: string[] = [];
    const live = createLiveCatalog({
      base,
      store: storage.providers,
      keyring,
      reservedProviderIds: new Set(['local-vllm']),
      onProblem: ({ id, problem }) => problems.push(`${id}:${problem}`),
    });
    const { catalog } = live;
    live.refresh();
    expect([...catalog.providers.keys()]).toEqual(['local-vllm']);
    storage.providers.insertProvider(createRecord('keyed', 'sk-keyed-secret'));
    storage.providers.insertProvider(createRecord('keyless', null));
    storage.providers.insertProvider(createRecord('copied', 'sk-keyed-secret', 'keyed'));
    live.refresh();
    expect([...catalog.providers.keys()]).toEqual(['local-vllm', 'keyed', 'keyless']);
    expect(catalog.providers.get('keyed')!.apiKey).toBe('sk-keyed-secret');
    expect(catalog.providers.get('keyless')!.apiKey).toBeUndefined();
    expect(catalog.models.has('acme/keyed')).toBe(true);
    expect(catalog.models.has('acme/copied')).toBe(false);
    expect([live.problemOf('copied'), live.problemOf('keyed')]).toEqual(['secret_authentication_failed', undefined]);
    expect(problems).toEqual(['copied:secret_authentication_failed']);
    storage.providers.deleteProvider('keyed');
    live.refresh();
    expect([...catalog.providers.keys()]).toEqual(['local-vllm', 'keyless']);
    expect(catalog.models.has('acme/keyed')).toBe(false);
    expect([live.isReservedId('local-vllm'), live.isReservedId('keyless')]).toEqual([true, false]);
    storage.close();
  });

  it('fails closed without a keyring or with the wrong one', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.providers.insertProvider(createRecord('keyed', 'sk-keyed-secret'));
    const options = { base, store: storage.providers, reservedProviderIds: new Set<string>() };
    const withoutKeyring = createLiveCatalog({ ...options, keyring: undefined });
    const withOtherKeyring = createLiveCatalog({ ...options, keyring: createTestKeyring(['k9', 9]) });
    withoutKeyring.refresh();
    withOtherKeyring.refresh();
    expect([withoutKeyring.problemOf('keyed'), withOtherKeyring.problemOf('keyed')]).toEqual([
      'secrets_unavailable',
      'secret_key_unknown',
    ]);
    expect(withoutKeyring.catalog.providers.has('keyed')).toBe(false);
    expect(withOtherKeyring.catalog.providers.has('keyed')).toBe(false);
    storage.close();
  });

  it('over a store answering through promises, applies a listing when it resolves and drops one older than the applied', async () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const listings: ((records: readonly ProviderRecord[]) => void)[] = [];
    const live = createLiveCatalog({
      base,
      store: {
        ...toAsyncPort(storage.providers),
        listProviders: () => new Promise<readonly ProviderRecord[]>((resolve) => listings.push(resolve)),
      },
      keyring,
      reservedProviderIds: new Set(['local-vllm']),
    });
    const older = live.refresh();
    const newer = live.refresh();
    expect([older instanceof Promise, newer instanceof Promise, listings.length]).toEqual([true, true, 2]);
    listings[1]!([createRecord('keyless', null)]);
    await newer;
    expect([...live.catalog.providers.keys()]).toEqual(['local-vllm', 'keyless']);
    listings[0]!([createRecord('keyed', 'sk-keyed-secret')]);
    await older;
    expect([...live.catalog.providers.keys()]).toEqual(['local-vllm', 'keyless']);
    expect(live.catalog.models.has('acme/keyed')).toBe(false);
    storage.close();
  });
});
