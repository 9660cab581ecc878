import { sealSecret } from '../secrets/index.js';
import { createTestKeyring } from '../secrets/test-support.js';
import type { ProviderRecord } from './ports.js';

/** The keyring provider records are sealed with (key id `k1`). */
export const providerTestKeyring = createTestKeyring(['k1', 1]);
/** The plain API key every test provider record seals: it must never be stored. */
export const providerPlainKey = 'sk-provider-store-canary-0123456789abcdef';

/** An OpenAI-protocol provider with one model and a sealed key, created at 1000 ms; `overrides` replace fields. */
export function createProviderRecord(id: string, overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return {
    id,
    protocol: 'openai',
    baseUrl: 'https://api.example.test/v1',
    apiKey: {
      sealed: sealSecret(providerPlainKey, { keyring: providerTestKeyring, purpose: `provider:${id}` }),
      keyId: 'k1',
      lastFour: 'cdef',
    },
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
