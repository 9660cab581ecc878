import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../catalog/index.js';
import { resolveEndpoints } from './resolve-endpoints.js';

const catalog = buildCatalog({
  vendorFiles: [],
  configProviders: [
    { id: 'cheap', protocol: 'openai', base_url: 'http://127.0.0.1:9/v1', keyless: true },
    { id: 'dear', protocol: 'openai', base_url: 'http://127.0.0.1:10/v1', keyless: true },
    { id: 'off', protocol: 'openai', base_url: 'https://api.example.test/v1', api_key_env: 'OFF_API_KEY' },
    { id: 'local', protocol: 'openai', base_url: 'http://127.0.0.1:11/v1', keyless: true, passthrough_models: true },
  ],
  configModels: [
    {
      id: 'acme/model',
      name: 'Model',
      author: 'acme',
      origin: 'US',
      context_length: 1000,
      endpoints: [
        { provider: 'dear', model: 'm-dear', pricing: { prompt: '2', completion: '4' } },
        { provider: 'cheap', model: 'm-cheap', pricing: { prompt: '1', completion: '2' } },
      ],
    },
    {
      id: 'acme/dark',
      name: 'Dark',
      author: 'acme',
      origin: 'CN',
      context_length: 1000,
      endpoints: [{ provider: 'off', model: 'x', pricing: { prompt: '1', completion: '1' } }],
    },
  ],
  env: {},
  sandboxBaseUrl: undefined,
  aliases: { 'gpt-4o-mini': 'acme/model', llama: 'local/llama3.2:3b' },
});

describe('resolveEndpoints', () => {
  it('orders endpoints cheapest first and strips :floor / :nitro', () => {
    for (const text of ['acme/model', 'acme/model:floor', 'acme/model:nitro']) {
      const resolved = resolveEndpoints(catalog, text, 0);
      expect(resolved.endpoints.map((endpoint) => endpoint.upstreamModel)).toEqual(['m-cheap', 'm-dear']);
    }
    expect(resolveEndpoints(catalog, 'acme/model:nitro', 0).suffix).toBe('nitro');
  });

  it('says 404 model_not_found for unknown models and 503 no_available_provider for unconfigured ones', () => {
    expect(() => resolveEndpoints(catalog, 'acme/nope', 0)).toThrow(
      expect.objectContaining({ code: 'model_not_found', status: 404 }),
    );
    expect(() => resolveEndpoints(catalog, 'acme/dark', 0)).toThrow(
      expect.objectContaining({ code: 'no_available_provider', status: 503 }),
    );
  });

  it('resolves configured aliases, suffixes included', () => {
    expect(resolveEndpoints(catalog, 'gpt-4o-mini:floor', 0).model.id).toBe('acme/model');
    expect(resolveEndpoints(catalog, 'llama', 0).endpoints[0]?.upstreamModel).toBe('llama3.2:3b');
  });

  it('sends unknown names through a catch-all alias, but never shadows catalog models', () => {
    const withCatchAll = { ...catalog, aliases: new Map([['*', 'local/*']]) };
    expect(resolveEndpoints(withCatchAll, 'gpt-4o-mini@chunks=5', 0).endpoints[0]?.upstreamModel).toBe(
      'gpt-4o-mini@chunks=5',
    );
    expect(resolveEndpoints(withCatchAll, 'acme/model', 0).model.id).toBe('acme/model');
  });

  it('routes any model of a passthrough provider, free by default', () => {
    const resolved = resolveEndpoints(catalog, 'local/llama3.2:3b@chunks=5', 0);
    expect(resolved.model.id).toBe('local/llama3.2:3b@chunks=5');
    expect(resolved.endpoints[0]?.upstreamModel).toBe('llama3.2:3b@chunks=5');
    expect(resolved.endpoints[0]?.prices.promptNanosPerMillion).toBe(0n);
  });
});
