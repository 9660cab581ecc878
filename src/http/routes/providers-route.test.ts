import { afterEach, describe, expect, it } from 'vitest';
import { buildCatalog, createLiveCatalog } from '../../catalog/index.js';
import { parseOutboundAllowList } from '../../net/index.js';
import type { ResolvedAddress } from '../../net/index.js';
import { openSecret } from '../../secrets/index.js';
import type { Keyring } from '../../secrets/index.js';
import { createTestKeyring } from '../../secrets/test-support.js';
import { openSqliteStorage } from '../../storage/index.js';
import type { Storage } from '../../storage/index.js';
import type { ProviderExchange } from './providers-route.js';
import { createTestResponse, toLaterPort } from './route-test-support.js';
import {
  createProviderRoute,
  deleteProviderRoute,
  getProviderRoute,
  listProvidersRoute,
  updateProviderRoute,
} from './providers-route.js';

const providerKey = 'sk-route-test-0123456789-wxyz';
const keyring = createTestKeyring(['k1', 1]);

/** Stand-in DNS: public names, a name inside the operator's private network, and one that resolves to loopback. */
const answers: Record<string, ResolvedAddress[]> = {
  'api.acme.test': [{ address: '93.184.216.34', family: 4 }],
  'internal.acme.test': [{ address: '10.9.0.5', family: 4 }],
  'sneaky.acme.test': [
    { address: '93.184.216.35', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
};

const base = buildCatalog({
  vendorFiles: [],
  configProviders: [{ id: 'local-vllm', protocol: 'openai', base_url: 'http://127.0.0.1:8000/v1', keyless: true }],
  configModels: [],
  env: {},
  sandboxBaseUrl: undefined,
});

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

/** With `isAsync`, the routes and the live catalog reach the store through promises (as on PostgreSQL). */
async function setUp(options: { readonly keyring?: Keyring | undefined; readonly isAsync?: boolean } = { keyring }) {
  const storage = openSqliteStorage({ path: ':memory:' });
  opened.push(storage);
  const store = options.isAsync === true ? toLaterPort(storage.providers) : storage.providers;
  const liveCatalog = createLiveCatalog({
    base,
    store,
    keyring: options.keyring,
    reservedProviderIds: new Set(['local-vllm']),
  });
  await liveCatalog.refresh();
  const exchange: ProviderExchange = {
    admin: {
      liveCatalog,
      allowList: parseOutboundAllowList(['10.9.0.0/16']),
      lookup: (hostName) => Promise.resolve(answers[hostName] ?? []),
    },
    store,
    now: () => Date.parse('2026-12-01T10:00:00Z'),
    requestId: 'req-1',
  };
  return { storage, liveCatalog, exchange };
}

const createBody = {
  id: 'acme-cloud',
  protocol: 'openai',
  base_url: 'https://API.acme.test/v1',
  api_key: providerKey,
  models: [
    {
      id: 'acme/chat-1',
      author: 'acme',
      origin: 'US',
      context_length: 65_536,
      upstream_model: 'chat-1-2026',
      pricing: { prompt: '0.40', completion: '1.60', cache_read: '0.04', cache_write: '0.50', cache_write_1h: '0.80' },
    },
  ],
};

const renderedProvider = {
  id: 'acme-cloud',
  protocol: 'openai',
  base_url: 'https://api.acme.test/v1',
  api_key: { set: true, key_id: 'k1', last_four: 'wxyz' },
  models: [
    {
      id: 'acme/chat-1',
      name: 'acme/chat-1',
      author: 'acme',
      origin: 'US',
      context_length: 65_536,
      upstream_model: 'chat-1-2026',
      pricing: { prompt: '0.40', completion: '1.60', cache_read: '0.04', cache_write: '0.50', cache_write_1h: '0.80' },
      max_output: null,
    },
  ],
  status: 'active',
  problem: null,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
};

async function create(exchange: ProviderExchange, body: unknown = createBody) {
  const { response, read } = createTestResponse();
  await createProviderRoute(response, { ...exchange, body });
  return read();
}

/** Each store-dependent case runs over the synchronous store and over the same store answering through promises. */
const storeModes = [
  ['answering at once', false],
  ['answering through promises', true],
] as const;

describe('POST /v1/providers', () => {
  it.each(storeModes)(
    'stores the key sealed, answers without it, and serves the models at once (store %s)',
    async (_mode, isAsync) => {
      const { storage, liveCatalog, exchange } = await setUp({ keyring, isAsync });
      expect(await create(exchange)).toEqual({ status: 201, body: { data: renderedProvider } });
      const stored = storage.providers.findProvider('acme-cloud')!;
      expect(stored.apiKey!.sealed.startsWith('v1:k1:')).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(providerKey);
      expect(openSecret(stored.apiKey!.sealed, { keyring, purpose: 'provider:acme-cloud' })).toBe(providerKey);
      const model = liveCatalog.catalog.models.get('acme/chat-1')!;
      expect(model.endpoints.map((endpoint) => [endpoint.provider.id, endpoint.provider.isApiManaged])).toEqual([
        ['acme-cloud', true],
      ]);
      expect(liveCatalog.catalog.providers.get('acme-cloud')!.apiKey).toBe(providerKey);
    },
  );

  it.each([
    ['http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1', 'loopback'],
    ['http://[::1]:9/', 'http://[::1]:9/', 'loopback'],
    ['http://169.254.169.254/latest', 'http://169.254.169.254/latest', 'cloud_metadata'],
    ['http://2130706433/', 'http://127.0.0.1/', 'loopback'],
    ['http://0177.0.0.1/', 'http://127.0.0.1/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'loopback'],
    ['http://localhost:9/', 'http://localhost:9/', 'loopback'],
    ['http://192.168.1.10/', 'http://192.168.1.10/', 'private'],
    ['http://[fe80::1]/', 'http://[fe80::1]/', 'link_local'],
    ['https://sneaky.acme.test/v1', 'https://sneaky.acme.test/v1', 'loopback'],
  ])('refuses base_url %s and stores nothing', async (baseUrl, shownUrl, reason) => {
    const { storage, exchange } = await setUp();
    await expect(create(exchange, { ...createBody, base_url: baseUrl })).rejects.toMatchObject({
      code: 'outbound_url_refused',
      param: 'base_url',
      message: `base_url ${shownUrl} refused (${reason}): providers created through the API may reach public addresses only, unless security.outbound_allow in the config file lists the destination.`,
    });
    expect(storage.providers.listProviders()).toEqual([]);
  });

  it.each([
    [
      'ftp://api.acme.test/',
      'outbound_url_refused',
      'base_url ftp:… refused (unsupported_scheme): only http and https are allowed.',
    ],
    [
      'https://user:pw@api.acme.test/',
      'outbound_url_refused',
      'base_url https://api.acme.test/ refused (credentials_in_url): send the key as api_key, not inside the URL.',
    ],
    ['https://api.acme.test/v1?key=1', 'invalid_request', 'base_url: must not have a query string or fragment.'],
    ['https://api.acme.test/v1?', 'invalid_request', 'base_url: must not have a query string or fragment.'],
    ['https://api.acme.test/v1#', 'invalid_request', 'base_url: must not have a query string or fragment.'],
    // Refused for its query before any lookup, not for a host that does not resolve.
    ['https://nowhere.acme.test/?a=b', 'invalid_request', 'base_url: must not have a query string or fragment.'],
    ['https://nowhere.acme.test/v1', 'invalid_request', 'base_url: its host name does not resolve (ENOTFOUND).'],
  ])('refuses base_url %s with %s', async (baseUrl, code, message) => {
    const { exchange } = await setUp();
    await expect(create(exchange, { ...createBody, base_url: baseUrl })).rejects.toMatchObject({ code, message });
  });

  it('accepts a private address the config allow-lists', async () => {
    const { exchange } = await setUp();
    const answer = await create(exchange, { ...createBody, base_url: 'http://internal.acme.test:8000/v1' });
    expect(answer.status).toBe(201);
  });

  it('refuses to store a key without master keys, but accepts a keyless provider', async () => {
    const { storage, exchange } = await setUp({ keyring: undefined });
    await expect(create(exchange)).rejects.toMatchObject({ code: 'secrets_unavailable', status: 503 });
    expect(storage.providers.listProviders()).toEqual([]);
    const keyless = await create(exchange, { ...createBody, api_key: null });
    expect([keyless.status, (keyless.body as { data: { api_key: unknown } }).data.api_key]).toEqual([
      201,
      { set: false },
    ]);
  });

  it.each(storeModes)("refuses an id taken by the API or the operator's catalog (store %s)", async (_mode, isAsync) => {
    const { exchange } = await setUp({ keyring, isAsync });
    await create(exchange);
    await expect(create(exchange)).rejects.toMatchObject({ code: 'provider_exists', status: 409, param: 'id' });
    await expect(create(exchange, { ...createBody, id: 'local-vllm' })).rejects.toMatchObject({
      code: 'provider_exists',
    });
  });

  it.each(storeModes)(
    'lets one of two concurrent creates of one id win; the other is 409 (store %s)',
    async (_mode, isAsync) => {
      const { storage, exchange } = await setUp({ keyring, isAsync });
      const outcomes = await Promise.allSettled([create(exchange), create(exchange)]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(refused?.reason).toMatchObject({ code: 'provider_exists', status: 409, param: 'id' });
      expect(storage.providers.listProviders().map((record) => record.id)).toEqual(['acme-cloud']);
    },
  );

  it.each([
    [{ ...createBody, apikey: 'x' }, 'apikey', 'apikey: is not a field of this request.'],
    [
      { ...createBody, protocol: 'bedrock' },
      'protocol',
      'protocol: Invalid option: expected one of "openai"|"anthropic"|"gemini".',
    ],
    [{ ...createBody, api_key: `${providerKey} ` }, 'api_key', 'api_key: must be printable ASCII without spaces.'],
    [
      { ...createBody, models: [createBody.models[0], createBody.models[0]] },
      'models[1].id',
      "models[1].id: 'acme/chat-1' is declared twice for this provider.",
    ],
    [
      { ...createBody, models: [{ ...createBody.models[0], pricing: { prompt: '-1', completion: '1' } }] },
      'models[0].pricing.prompt',
      'models[0].pricing.prompt: must be a decimal string such as "0.28" (at most 9 decimals).',
    ],
  ])('answers 400 naming the field, never echoing the key (%#)', async (body, param, message) => {
    const { exchange } = await setUp();
    const error = await create(exchange, body).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', param, message });
    expect((error as Error).message).not.toContain(providerKey);
  });
});

describe.each(storeModes)('GET, PATCH and DELETE /v1/providers (store %s)', (_mode, isAsync) => {
  it('lists and shows providers without their key', async () => {
    const { exchange } = await setUp({ keyring, isAsync });
    await create(exchange);
    const list = createTestResponse();
    await listProvidersRoute(list.response, exchange);
    expect(list.read()).toEqual({ status: 200, body: { data: [renderedProvider] } });
    const one = createTestResponse();
    await getProviderRoute(one.response, { ...exchange, id: 'acme-cloud' });
    expect(JSON.stringify(one.read())).not.toContain(providerKey);
    await expect(getProviderRoute(one.response, { ...exchange, id: 'local-vllm' })).rejects.toThrow(
      "Provider 'local-vllm' is defined by the config file or the built-in catalog; change it there.",
    );
  });

  it('replaces the key (sealed again) and refuses a base_url change into a refused range', async () => {
    const { storage, liveCatalog, exchange } = await setUp({ keyring, isAsync });
    await create(exchange);
    const before = storage.providers.findProvider('acme-cloud')!;
    await expect(
      updateProviderRoute(createTestResponse().response, {
        ...exchange,
        id: 'acme-cloud',
        body: { base_url: 'http://169.254.169.254/' },
      }),
    ).rejects.toMatchObject({ code: 'outbound_url_refused' });
    expect(storage.providers.findProvider('acme-cloud')).toEqual(before);
    const patched = createTestResponse();
    await updateProviderRoute(patched.response, {
      ...exchange,
      id: 'acme-cloud',
      body: { api_key: 'sk-second-key-0123456789-abcd' },
    });
    expect((patched.read().body as { data: { api_key: unknown } }).data.api_key).toEqual({
      set: true,
      key_id: 'k1',
      last_four: 'abcd',
    });
    expect(storage.providers.findProvider('acme-cloud')!.apiKey!.sealed).not.toBe(before.apiKey!.sealed);
    expect(liveCatalog.catalog.providers.get('acme-cloud')!.apiKey).toBe('sk-second-key-0123456789-abcd');
    await expect(
      updateProviderRoute(createTestResponse().response, { ...exchange, id: 'acme-cloud', body: {} }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('deletes a provider: its models leave the catalog', async () => {
    const { liveCatalog, exchange } = await setUp({ keyring, isAsync });
    await create(exchange);
    const deleted = createTestResponse();
    await deleteProviderRoute(deleted.response, { ...exchange, id: 'acme-cloud' });
    expect(deleted.read()).toEqual({ status: 200, body: { deleted: true, id: 'acme-cloud' } });
    expect(liveCatalog.catalog.models.has('acme/chat-1')).toBe(false);
    expect(liveCatalog.catalog.providers.has('acme-cloud')).toBe(false);
    await expect(deleteProviderRoute(deleted.response, { ...exchange, id: 'acme-cloud' })).rejects.toThrow(
      "No provider 'acme-cloud' was created through the API.",
    );
  });
});
