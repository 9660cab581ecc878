import type { Endpoint, Model } from '../catalog/index.js';
import { resolvePrices } from '../catalog/index.js';
import { formatUsd } from './format-usd.js';
import type { ProviderPreferences } from './routing-types.js';

export interface FilterEndpointsInput {
  readonly model: Model;
  readonly preferences: ProviderPreferences;
  /** Request parameters the client set, by OpenRouter name (`tools`, `response_format`, …). */
  readonly usedParameters: ReadonlySet<string>;
  /** Kinds of input the request carries besides text (`image`, `audio`, `file`, `video`); none when absent. */
  readonly usedInputModalities?: ReadonlySet<string>;
  readonly promptTokensEstimate: number;
  readonly maxOutputTokens: number | undefined;
  readonly nowMs: number;
}

/** Why one endpoint was left out: the filter (named as the client wrote it) and a detail for the error message. */
export interface Exclusion {
  readonly filter: string;
  readonly providerId: string;
  readonly detail: string | undefined;
}

export interface FilteredEndpoints {
  /** In the model's declaration order. */
  readonly kept: readonly Endpoint[];
  readonly exclusions: readonly Exclusion[];
}

/** A filter returns `undefined` when the endpoint passes, else the detail of its exclusion ('' for none). */
type EndpointFilter = (endpoint: Endpoint, input: FilterEndpointsInput) => string | undefined;

/** Checked in this order; an endpoint is reported under the first filter it fails. */
const filters: ReadonlyArray<readonly [string, EndpointFilter]> = [
  ['only', (endpoint, { preferences }) => failsList(preferences.only, endpoint.provider.id, true)],
  ['ignore', (endpoint, { preferences }) => failsList(preferences.ignore, endpoint.provider.id, false)],
  // allow_fallbacks false with an order: only the ordered providers may serve (OpenRouter).
  [
    'order with allow_fallbacks false',
    (endpoint, { preferences }) =>
      preferences.allowFallbacks ? undefined : failsList(preferences.order, endpoint.provider.id, true),
  ],
  ['data_collection', checkDataCollection],
  ['quantizations', checkQuantization],
  ['origin', (_endpoint, { model, preferences }) => failsCountry(preferences.origin, model.origin, 'model origin')],
  [
    'region',
    (endpoint, { preferences }) => failsCountry(preferences.region, endpoint.provider.country, 'provider country'),
  ],
  ['input_modalities', checkInputModalities],
  ['require_parameters', checkParameters],
  ['context', checkContext],
  ['max_price', checkMaxPrice],
];

/** Applies the client's provider preferences and the request's needs to one model's endpoints. */
export function filterEndpoints(input: FilterEndpointsInput): FilteredEndpoints {
  const kept: Endpoint[] = [];
  const exclusions: Exclusion[] = [];
  for (const endpoint of input.model.endpoints) {
    const exclusion = findExclusion(endpoint, input);
    if (exclusion === undefined) kept.push(endpoint);
    else exclusions.push(exclusion);
  }
  return { kept, exclusions };
}

function findExclusion(endpoint: Endpoint, input: FilterEndpointsInput): Exclusion | undefined {
  for (const [filter, check] of filters) {
    const detail = check(endpoint, input);
    if (detail !== undefined) return { filter, providerId: endpoint.provider.id, detail: detail || undefined };
  }
  return undefined;
}

function failsList(list: readonly string[] | undefined, id: string, mustContain: boolean): string | undefined {
  if (list === undefined) return undefined;
  return list.includes(id) === mustContain ? undefined : '';
}

function failsCountry(list: readonly string[] | undefined, country: string | undefined, label: string) {
  if (list === undefined || (country !== undefined && list.includes(country))) return undefined;
  return `${label} ${country ?? 'unknown'}`;
}

/** `deny` keeps endpoints known not to retain or train on data; an unknown policy does not pass. */
function checkDataCollection(endpoint: Endpoint, { preferences }: FilterEndpointsInput): string | undefined {
  if (preferences.dataCollection !== 'deny') return undefined;
  const policy = endpoint.dataCollection ?? endpoint.provider.dataCollection;
  return policy === 'deny' ? undefined : policy === 'allow' ? 'collects data' : 'data policy unknown';
}

/** An endpoint of unknown quantization passes only when the list names OpenRouter's `unknown`. */
function checkQuantization(endpoint: Endpoint, { preferences }: FilterEndpointsInput): string | undefined {
  const allowed = preferences.quantizations;
  if (allowed === undefined) return undefined;
  const quantization = endpoint.quantization?.toLowerCase() ?? 'unknown';
  return allowed.includes(quantization) ? undefined : `quantization ${quantization}`;
}

/** A model that declares its input kinds takes no other: an image sent to a text-only model would only fail upstream. */
function checkInputModalities(
  _endpoint: Endpoint,
  { model, usedInputModalities }: FilterEndpointsInput,
): string | undefined {
  if (model.checksInputModalities !== true || usedInputModalities === undefined) return undefined;
  const missing = [...usedInputModalities].filter((modality) => !model.inputModalities.includes(modality));
  return missing.length === 0 ? undefined : `no ${missing.join(', ')} input`;
}

function checkParameters(_endpoint: Endpoint, input: FilterEndpointsInput): string | undefined {
  if (!input.preferences.requireParameters) return undefined;
  const supported = new Set(input.model.supportedParameters);
  const missing = [...input.usedParameters].filter((parameter) => !supported.has(parameter));
  return missing.length === 0 ? undefined : `${missing.join(', ')} unsupported`;
}

/** The prompt plus the requested output must fit; a context length of 0 means unknown and passes. */
function checkContext(endpoint: Endpoint, input: FilterEndpointsInput): string | undefined {
  const outputTokens = input.maxOutputTokens ?? 0;
  if (endpoint.contextLength === 0 || input.promptTokensEstimate + outputTokens <= endpoint.contextLength) {
    return undefined;
  }
  return `${input.promptTokensEstimate} + ${outputTokens} tokens > ${endpoint.contextLength}`;
}

/** Against the prices in force now (time-of-day windows included); equal to the ceiling passes. */
function checkMaxPrice(endpoint: Endpoint, { preferences, nowMs }: FilterEndpointsInput): string | undefined {
  const ceiling = preferences.maxPrice;
  if (ceiling === undefined) return undefined;
  const prices = resolvePrices(endpoint, nowMs);
  const over = [
    describeOver('prompt', prices.promptNanosPerMillion, ceiling.promptNanosPerMillion),
    describeOver('completion', prices.completionNanosPerMillion, ceiling.completionNanosPerMillion),
  ].filter((text) => text !== undefined);
  return over.length === 0 ? undefined : over.join(', ');
}

function describeOver(kind: string, price: bigint, ceiling: bigint | undefined): string | undefined {
  if (ceiling === undefined || price <= ceiling) return undefined;
  return `${kind} ${formatUsd(price)} > ${formatUsd(ceiling)}`;
}
