import type { Catalog, Endpoint, Model } from '../catalog/catalog-types.js';
import { GatewayError } from '../errors/index.js';

/** OpenRouter's model suffixes: `:floor` sorts by price, `:nitro` by throughput. */
export type ModelSuffix = 'floor' | 'nitro' | undefined;

export interface ResolvedModel {
  readonly model: Model;
  readonly suffix: ModelSuffix;
  /** Candidates in the order they should be tried. */
  readonly endpoints: readonly Endpoint[];
}

const suffixes = new Set(['floor', 'nitro']);

/**
 * Resolves the client's model string to a catalog model and its candidate
 * endpoints. Unknown models get 404 `model_not_found`; a known model whose
 * providers are all switched off gets 503 `no_available_provider` saying so.
 */
export function resolveEndpoints(catalog: Catalog, modelText: string, atMs: number): ResolvedModel {
  const split = splitSuffix(modelText);
  const slug = resolveAlias(catalog, split.slug);
  const { suffix } = split;
  const model = catalog.models.get(slug) ?? createPassthroughModel(catalog, slug);
  if (model === undefined) {
    if (catalog.knownModelIds.has(slug)) {
      throw new GatewayError({
        code: 'no_available_provider',
        message: `Model '${slug}' is in the catalog but none of its providers is configured. Set the provider's API key variable (see GET /v1/models for what is available).`,
        param: 'model',
      });
    }
    throw new GatewayError({
      code: 'model_not_found',
      message: `Model '${slug}' does not exist. GET /v1/models lists the available models.`,
      param: 'model',
    });
  }
  return { model, suffix, endpoints: orderByPrice(model.endpoints, atMs) };
}

/**
 * `<provider id>/<upstream model>` for a provider that accepts any model (a local
 * server): an ad-hoc model priced at the provider's passthrough price.
 */
function createPassthroughModel(catalog: Catalog, slug: string): Model | undefined {
  const slash = slug.indexOf('/');
  if (slash <= 0 || slash === slug.length - 1) return undefined;
  const passthrough = catalog.passthroughProviders.get(slug.slice(0, slash));
  if (passthrough === undefined) return undefined;
  const { provider, prices } = passthrough;
  const endpoint: Endpoint = {
    provider,
    upstreamModel: slug.slice(slash + 1),
    prices,
    schedule: [],
    contextLength: 0,
    maxOutputTokens: undefined,
    quantization: undefined,
    dataCollection: provider.dataCollection,
    priceAsOf: undefined,
    priceSource: undefined,
  };
  return {
    id: slug,
    name: slug,
    author: provider.id,
    origin: provider.country ?? 'ZZ',
    contextLength: 0,
    description: undefined,
    createdSeconds: 0,
    inputModalities: ['text'],
    // A local server serves whatever is loaded: chat or embeddings.
    outputModalities: ['text', 'embeddings'],
    supportedParameters: [],
    endpoints: [endpoint],
    isSandbox: provider.isSandbox,
  };
}

/**
 * Config aliases: an exact name first; else, for a name the catalog does not know,
 * the catch-all `*` (e.g. `"*": "ollama/*"` sends every unknown model to Ollama).
 */
function resolveAlias(catalog: Catalog, slug: string): string {
  const exact = catalog.aliases.get(slug);
  if (exact !== undefined) return exact;
  const catchAll = catalog.aliases.get('*');
  if (catchAll === undefined || catalog.models.has(slug)) return slug;
  return catchAll.replace('*', slug);
}

function splitSuffix(modelText: string): { slug: string; suffix: ModelSuffix } {
  const colon = modelText.lastIndexOf(':');
  if (colon > 0) {
    const tail = modelText.slice(colon + 1);
    if (suffixes.has(tail)) return { slug: modelText.slice(0, colon), suffix: tail as ModelSuffix };
  }
  return { slug: modelText, suffix: undefined };
}

/** Cheapest first by prompt + completion price (the routing issue adds health and weighting). */
function orderByPrice(endpoints: readonly Endpoint[], _atMs: number): readonly Endpoint[] {
  if (endpoints.length < 2) return endpoints;
  return [...endpoints].sort((left, right) => {
    const leftPrice = left.prices.promptNanosPerMillion + left.prices.completionNanosPerMillion;
    const rightPrice = right.prices.promptNanosPerMillion + right.prices.completionNanosPerMillion;
    return leftPrice < rightPrice ? -1 : leftPrice > rightPrice ? 1 : 0;
  });
}
