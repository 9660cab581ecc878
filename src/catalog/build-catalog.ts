import type { EndpointEntry, ModelEntry, PricingEntry, ProviderEntry, VendorFile } from './catalog-schema.js';
import type { Catalog, Endpoint, Model, PriceTable, PriceWindow, Provider } from './catalog-types.js';
import { parsePriceNanosPerMillion } from './parse-price.js';

/** A config entry that points at something missing; `path` is relative to the config file. */
export class CatalogReferenceError extends Error {
  readonly path: readonly (string | number)[];
  constructor(path: readonly (string | number)[], message: string) {
    super(message);
    this.name = 'CatalogReferenceError';
    this.path = path;
  }
}

export interface BuildCatalogInput {
  readonly vendorFiles: readonly VendorFile[];
  readonly configProviders: readonly ProviderEntry[];
  readonly configModels: readonly ModelEntry[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The running sandbox's base URL; undefined switches the sandbox off. */
  readonly sandboxBaseUrl: string | undefined;
  /** Protocols this build can call; providers speaking others stay off (listed models must work). */
  readonly supportedProtocols?: ReadonlySet<string>;
  /** Model name → catalog slug. */
  readonly aliases?: Readonly<Record<string, string>>;
}

const sandboxProviderId = 'sandbox';

/**
 * Merges the built-in catalog with the config file and switches providers on:
 * a provider is enabled when it is keyless, has an `api_key`, has its
 * `api_key_env` (or, for local servers, `base_url_env`) set, or is the running
 * sandbox. Config providers override built-in fields; config models replace
 * built-in ones with the same id. Only enabled endpoints are kept.
 */
export function buildCatalog(input: BuildCatalogInput): Catalog {
  const providerEntries = mergeProviders(
    input.vendorFiles.flatMap((file) => file.providers),
    input.configProviders,
  );
  const providers = new Map<string, Provider>();
  for (const entry of providerEntries.values()) {
    const provider = enableProvider(entry, input);
    if (provider !== undefined) providers.set(provider.id, provider);
  }
  const modelEntries = new Map<string, { entry: ModelEntry; configIndex: number | undefined }>();
  for (const file of input.vendorFiles)
    for (const entry of file.models) modelEntries.set(entry.id, { entry, configIndex: undefined });
  input.configModels.forEach((entry, configIndex) => modelEntries.set(entry.id, { entry, configIndex }));
  const models = new Map<string, Model>();
  for (const { entry, configIndex } of modelEntries.values()) {
    entry.endpoints.forEach((endpoint, endpointIndex) => {
      if (!providerEntries.has(endpoint.provider)) {
        const path =
          configIndex === undefined
            ? ['catalog', entry.id]
            : ['models', configIndex, 'endpoints', endpointIndex, 'provider'];
        throw new CatalogReferenceError(
          path,
          `model ${entry.id} names provider '${endpoint.provider}', which is not defined`,
        );
      }
    });
    const model = buildModel(entry, providers);
    if (model.endpoints.length > 0) models.set(model.id, model);
  }
  return {
    models,
    providers,
    knownModelIds: new Set(modelEntries.keys()),
    passthroughProviders: buildPassthrough(providerEntries, providers),
    aliases: new Map(Object.entries(input.aliases ?? {})),
  };
}

function mergeProviders(
  builtIn: readonly ProviderEntry[],
  fromConfig: readonly ProviderEntry[],
): Map<string, ProviderEntry> {
  const merged = new Map<string, ProviderEntry>();
  for (const entry of builtIn) merged.set(entry.id, entry);
  for (const entry of fromConfig) merged.set(entry.id, { ...merged.get(entry.id), ...entry });
  return merged;
}

function enableProvider(entry: ProviderEntry, input: BuildCatalogInput): Provider | undefined {
  const isSandbox = entry.id === sandboxProviderId;
  if (isSandbox && input.sandboxBaseUrl === undefined) return undefined;
  const keyFromEnv = entry.api_key_env === undefined ? undefined : nonEmpty(input.env[entry.api_key_env]);
  const apiKey = nonEmpty(entry.api_key) ?? keyFromEnv;
  const baseUrlFromEnv = entry.base_url_env === undefined ? undefined : nonEmpty(input.env[entry.base_url_env]);
  const isEnabled = isSandbox || entry.keyless === true || apiKey !== undefined || baseUrlFromEnv !== undefined;
  const protocol =
    entry.protocol === 'anthropic'
      ? 'anthropic-messages'
      : entry.protocol === 'openai'
        ? 'openai-chat'
        : entry.protocol;
  if (!isEnabled || (input.supportedProtocols !== undefined && !input.supportedProtocols.has(protocol)))
    return undefined;
  const baseUrl = (isSandbox ? input.sandboxBaseUrl! : (baseUrlFromEnv ?? entry.base_url)).replace(/\/+$/, '');
  return {
    id: entry.id,
    name: entry.name ?? entry.id,
    protocol:
      entry.protocol === 'anthropic'
        ? 'anthropic-messages'
        : entry.protocol === 'openai'
          ? 'openai-chat'
          : entry.protocol,
    baseUrl,
    apiKey,
    authHeader: entry.auth?.header ?? defaultAuthHeader(entry.protocol),
    headers: entry.headers ?? {},
    openai: {
      maxTokensField: entry.openai?.max_tokens_field ?? 'max_tokens',
      reasoningField: entry.openai?.reasoning_field ?? 'reasoning_content',
      sendsStreamOptions: entry.openai?.stream_options ?? true,
      thinkingControl: entry.openai?.thinking_control ?? 'reasoning_effort',
      sendsTopK: entry.openai?.top_k ?? false,
      sendsCacheControl: entry.openai?.cache_control ?? false,
    },
    country: entry.country,
    dataCollection: entry.data_collection,
    isSandbox,
    timeouts: {
      ...(entry.timeouts?.connect_ms === undefined ? {} : { connectMs: entry.timeouts.connect_ms }),
      ...(entry.timeouts?.first_byte_ms === undefined ? {} : { firstByteMs: entry.timeouts.first_byte_ms }),
      ...(entry.timeouts?.idle_ms === undefined ? {} : { idleMs: entry.timeouts.idle_ms }),
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function buildModel(entry: ModelEntry, providers: ReadonlyMap<string, Provider>): Model {
  const endpoints: Endpoint[] = [];
  for (const endpoint of entry.endpoints) {
    const provider = providers.get(endpoint.provider);
    if (provider !== undefined) endpoints.push(buildEndpoint(endpoint, provider, entry.context_length));
  }
  return {
    id: entry.id,
    name: entry.name,
    author: entry.author,
    origin: entry.origin,
    contextLength: entry.context_length,
    description: entry.description,
    createdSeconds: entry.created ?? 0,
    inputModalities: entry.input_modalities ?? ['text'],
    checksInputModalities: entry.input_modalities !== undefined,
    outputModalities: entry.output_modalities ?? ['text'],
    supportedParameters: entry.supported_parameters ?? [],
    endpoints,
    isSandbox: endpoints.length > 0 && endpoints.every((item) => item.provider.isSandbox),
  };
}

function buildEndpoint(entry: EndpointEntry, provider: Provider, modelContextLength: number): Endpoint {
  return {
    provider,
    upstreamModel: entry.model,
    prices: buildPriceTable(entry.pricing),
    schedule: (entry.schedule ?? []).map(buildWindow),
    contextLength: entry.context_length ?? modelContextLength,
    maxOutputTokens: entry.max_output,
    quantization: entry.quantization,
    dataCollection: entry.data_collection ?? provider.dataCollection,
    priceAsOf: entry.pricing.as_of,
    priceSource: entry.pricing.source,
  };
}

/** Builds a price table from published decimal strings. */
export function buildPriceTable(
  pricing: Pick<PricingEntry, 'prompt' | 'completion'> & Partial<PricingEntry>,
): PriceTable {
  const optional = (value: string | undefined) => (value === undefined ? undefined : parsePriceNanosPerMillion(value));
  return {
    promptNanosPerMillion: parsePriceNanosPerMillion(pricing.prompt),
    completionNanosPerMillion: parsePriceNanosPerMillion(pricing.completion),
    cacheReadNanosPerMillion: optional(pricing.cache_read),
    cacheWriteNanosPerMillion: optional(pricing.cache_write),
    ...(pricing.cache_write_1h === undefined
      ? {}
      : { cacheWrite1hNanosPerMillion: parsePriceNanosPerMillion(pricing.cache_write_1h) }),
    reasoningNanosPerMillion: optional(pricing.reasoning),
    published: {
      prompt: pricing.prompt,
      completion: pricing.completion,
      ...(pricing.cache_read === undefined ? {} : { cacheRead: pricing.cache_read }),
      ...(pricing.cache_write === undefined ? {} : { cacheWrite: pricing.cache_write }),
      ...(pricing.cache_write_1h === undefined ? {} : { cacheWrite1h: pricing.cache_write_1h }),
      ...(pricing.reasoning === undefined ? {} : { reasoning: pricing.reasoning }),
    },
  };
}

function buildWindow(window: { from: string; to: string; pricing: PricingEntry }): PriceWindow {
  const toMinute = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
  return { fromMinute: toMinute(window.from), toMinute: toMinute(window.to), prices: buildPriceTable(window.pricing) };
}

function buildPassthrough(
  entries: ReadonlyMap<string, ProviderEntry>,
  providers: ReadonlyMap<string, Provider>,
): Map<string, { provider: Provider; prices: PriceTable }> {
  const passthrough = new Map<string, { provider: Provider; prices: PriceTable }>();
  for (const [id, entry] of entries) {
    const provider = providers.get(id);
    if (provider === undefined || entry.passthrough_models !== true) continue;
    passthrough.set(id, {
      provider,
      prices: buildPriceTable(entry.passthrough_pricing ?? { prompt: '0', completion: '0' }),
    });
  }
  return passthrough;
}

/** Each protocol's own way of sending the key: Anthropic `x-api-key`, Gemini `x-goog-api-key`, else Bearer. */
function defaultAuthHeader(protocol: string): Provider['authHeader'] {
  if (protocol.startsWith('anthropic')) return 'x-api-key';
  return protocol === 'gemini' ? 'x-goog-api-key' : 'authorization';
}
