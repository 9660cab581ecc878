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
  const { slug, suffix } = splitSuffix(modelText);
  const model = catalog.models.get(slug);
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
