import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../catalog/index.js';
import { endpointKey } from './index.js';

describe('endpointKey', () => {
  it('is the provider id and the upstream model joined by a slash', () => {
    const catalog = buildCatalog({
      vendorFiles: [],
      configProviders: [{ id: 'local', protocol: 'openai', base_url: 'http://127.0.0.1:11/v1', keyless: true }],
      configModels: [
        {
          id: 'acme/model',
          name: 'Model',
          author: 'acme',
          origin: 'US',
          context_length: 1000,
          endpoints: [{ provider: 'local', model: 'llama3.2:3b', pricing: { prompt: '1', completion: '2' } }],
        },
      ],
      env: {},
      sandboxBaseUrl: undefined,
      aliases: {},
    });
    const endpoints = catalog.models.get('acme/model')?.endpoints ?? [];
    expect(endpoints.map(endpointKey)).toEqual(['local/llama3.2:3b']);
  });
});
