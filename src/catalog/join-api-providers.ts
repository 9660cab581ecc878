import type { ProviderModelRecord, ProviderRecord } from '../storage/index.js';
import { buildPriceTable } from './build-catalog.js';
import type { Catalog, Endpoint, Model, Provider } from './catalog-types.js';

/** A stored API-managed provider with its key opened (kept in memory only, like a config provider's key). */
export type OpenedApiProvider = Pick<ProviderRecord, 'id' | 'protocol' | 'baseUrl' | 'models'> & {
  readonly apiKey: string | undefined;
};

export interface JoinedCatalog {
  readonly catalog: Catalog;
  /** API providers left out because the config file or the built-in catalog already has a provider with that id. */
  readonly shadowedIds: readonly string[];
}

/**
 * The catalog with API-managed providers added on top of the operator's (built-in data + config file): each
 * becomes a provider marked `isApiManaged` (reached only through the SSRF guard), and each model it declares
 * becomes one endpoint. A declared model id the catalog already serves gains the endpoint (the existing model's
 * name, author and origin stay); a new id becomes a model with the declared fields. The operator's providers
 * win an id conflict. Pure: the base catalog is not changed.
 */
export function joinApiProviders(base: Catalog, apiProviders: readonly OpenedApiProvider[]): JoinedCatalog {
  const providers = new Map(base.providers);
  const models = new Map(base.models);
  const knownModelIds = new Set(base.knownModelIds);
  const shadowedIds: string[] = [];
  for (const entry of apiProviders) {
    if (providers.has(entry.id)) {
      shadowedIds.push(entry.id);
      continue;
    }
    const provider = convertProvider(entry);
    providers.set(provider.id, provider);
    for (const declared of entry.models) {
      const endpoint = buildEndpoint(declared, provider);
      const existing = models.get(declared.id);
      models.set(
        declared.id,
        existing === undefined
          ? buildModel(declared, endpoint)
          : { ...existing, endpoints: [...existing.endpoints, endpoint], isSandbox: false },
      );
      knownModelIds.add(declared.id);
    }
  }
  return { catalog: { ...base, providers, models, knownModelIds }, shadowedIds };
}

function convertProvider(entry: OpenedApiProvider): Provider {
  return {
    id: entry.id,
    name: entry.id,
    protocol: apiProtocolIds[entry.protocol],
    baseUrl: entry.baseUrl.replace(/\/+$/, ''),
    apiKey: entry.apiKey,
    authHeader: authHeaders[entry.protocol],
    headers: {},
    openai: {
      maxTokensField: 'max_tokens',
      reasoningField: 'reasoning_content',
      sendsStreamOptions: true,
      thinkingControl: 'reasoning_effort',
      sendsTopK: false,
      sendsCacheControl: false,
    },
    country: undefined,
    dataCollection: undefined,
    isSandbox: false,
    timeouts: {},
    isApiManaged: true,
  };
}

/** The catalog's protocol id for each protocol the API accepts. */
export const apiProtocolIds = {
  openai: 'openai-chat',
  anthropic: 'anthropic-messages',
  gemini: 'gemini',
} as const satisfies Record<ProviderRecord['protocol'], Provider['protocol']>;

/** Each protocol's own way of sending the key, as for built-in providers. */
const authHeaders = {
  openai: 'authorization',
  anthropic: 'x-api-key',
  gemini: 'x-goog-api-key',
} as const satisfies Record<ProviderRecord['protocol'], Provider['authHeader']>;

function buildEndpoint(declared: ProviderModelRecord, provider: Provider): Endpoint {
  const { pricing } = declared;
  return {
    provider,
    upstreamModel: declared.upstreamModel,
    prices: buildPriceTable({
      prompt: pricing.prompt,
      completion: pricing.completion,
      ...(pricing.cacheRead === undefined ? {} : { cache_read: pricing.cacheRead }),
      ...(pricing.cacheWrite === undefined ? {} : { cache_write: pricing.cacheWrite }),
      ...(pricing.cacheWrite1h === undefined ? {} : { cache_write_1h: pricing.cacheWrite1h }),
      ...(pricing.reasoning === undefined ? {} : { reasoning: pricing.reasoning }),
    }),
    schedule: [],
    contextLength: declared.contextLength,
    maxOutputTokens: declared.maxOutputTokens ?? undefined,
    quantization: undefined,
    dataCollection: undefined,
    priceAsOf: undefined,
    priceSource: undefined,
  };
}

function buildModel(declared: ProviderModelRecord, endpoint: Endpoint): Model {
  return {
    id: declared.id,
    name: declared.name,
    author: declared.author,
    origin: declared.origin,
    contextLength: declared.contextLength,
    description: undefined,
    createdSeconds: 0,
    inputModalities: ['text'],
    outputModalities: ['text'],
    supportedParameters: [],
    endpoints: [endpoint],
    isSandbox: false,
  };
}
