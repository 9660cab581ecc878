import type { Endpoint, Model, PriceTable } from '../../catalog/catalog-types.js';

/**
 * Price per token in USD as a decimal string, as OpenRouter publishes it:
 * nano-units per 1M tokens × 1e-15. Exact (string arithmetic, no floats).
 */
export function renderPricePerToken(nanosPerMillion: bigint | undefined): string | undefined {
  if (nanosPerMillion === undefined) return undefined;
  const digits = nanosPerMillion.toString().padStart(16, '0');
  const whole = digits.slice(0, -15).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-15).replace(/0+$/, '');
  return fraction.length === 0 ? whole : `${whole}.${fraction}`;
}

export function renderPricing(prices: PriceTable): Record<string, string> {
  const pricing: Record<string, string> = {
    prompt: renderPricePerToken(prices.promptNanosPerMillion) ?? '0',
    completion: renderPricePerToken(prices.completionNanosPerMillion) ?? '0',
  };
  const cacheRead = renderPricePerToken(prices.cacheReadNanosPerMillion);
  const cacheWrite = renderPricePerToken(prices.cacheWriteNanosPerMillion);
  const cacheWrite1h = renderPricePerToken(prices.cacheWrite1hNanosPerMillion);
  const reasoning = renderPricePerToken(prices.reasoningNanosPerMillion);
  if (cacheRead !== undefined) pricing['input_cache_read'] = cacheRead;
  if (cacheWrite !== undefined) pricing['input_cache_write'] = cacheWrite;
  // Meridian's own: 1-hour cache writes where they are priced apart (Anthropic, 2× the prompt price).
  if (cacheWrite1h !== undefined) pricing['input_cache_write_1h'] = cacheWrite1h;
  if (reasoning !== undefined) pricing['internal_reasoning'] = reasoning;
  return pricing;
}

/** The cheapest endpoint represents the model's price, as on OpenRouter's model list. */
function cheapestEndpoint(model: Model): Endpoint | undefined {
  let best: Endpoint | undefined;
  for (const endpoint of model.endpoints) {
    const price = endpoint.prices.promptNanosPerMillion + endpoint.prices.completionNanosPerMillion;
    if (best === undefined || price < best.prices.promptNanosPerMillion + best.prices.completionNanosPerMillion) {
      best = endpoint;
    }
  }
  return best;
}

/** One model in OpenAI's list shape plus OpenRouter's fields and Meridian's origin and sandbox label. */
export function renderModel(model: Model): Record<string, unknown> {
  const endpoint = cheapestEndpoint(model);
  return {
    id: model.id,
    object: 'model',
    created: model.createdSeconds,
    owned_by: model.author,
    name: model.name,
    canonical_slug: model.id,
    description: model.description ?? '',
    context_length: model.contextLength,
    author: model.author,
    origin: model.origin,
    is_sandbox: model.isSandbox,
    architecture: {
      input_modalities: model.inputModalities.length > 0 ? model.inputModalities : ['text'],
      output_modalities: model.outputModalities,
    },
    pricing: endpoint === undefined ? {} : renderPricing(endpoint.prices),
    top_provider: {
      context_length: endpoint?.contextLength ?? model.contextLength,
      max_completion_tokens: endpoint?.maxOutputTokens ?? null,
      is_moderated: false,
    },
    supported_parameters: model.supportedParameters,
    endpoints: model.endpoints.map((item) => ({
      provider: item.provider.id,
      provider_name: item.provider.name,
      is_sandbox: item.provider.isSandbox,
      pricing: renderPricing(item.prices),
      context_length: item.contextLength,
      price_as_of: item.priceAsOf ?? null,
      price_source: item.priceSource ?? null,
    })),
  };
}
