import { GatewayError } from '../errors/index.js';
import { parseMaxPrice } from './parse-max-price.js';
import type { ProviderPreferences, RoutingControls } from './routing-types.js';

/** OpenRouter's cap on the `models` fallback list; a longer list is a 400, never silently cut. */
export const fallbackModelsMax = 16;

/** Longest provider-id, quantization or country list accepted (a catalog has far fewer entries). */
const preferenceListLengthMax = 64;

type MutablePreferences = { -readonly [Key in keyof ProviderPreferences]: ProviderPreferences[Key] };

/** One parser per `provider` key: writes its field into `into`; any key not listed here is a 400. */
const providerKeyParsers: Readonly<Record<string, (value: unknown, param: string, into: MutablePreferences) => void>> =
  {
    order: (value, param, into) => (into.order = parseStringList(value, param)),
    only: (value, param, into) => (into.only = parseStringList(value, param)),
    ignore: (value, param, into) => (into.ignore = parseStringList(value, param)),
    allow_fallbacks: (value, param, into) => (into.allowFallbacks = parseBoolean(value, param)),
    sort: (value, param, into) => (into.sort = parseEnum(value, param, ['price', 'throughput', 'latency'] as const)),
    max_price: (value, param, into) => (into.maxPrice = parseMaxPriceObject(value, param)),
    require_parameters: (value, param, into) => (into.requireParameters = parseBoolean(value, param)),
    data_collection: (value, param, into) =>
      (into.dataCollection = parseEnum(value, param, ['allow', 'deny'] as const)),
    quantizations: (value, param, into) =>
      (into.quantizations = parseStringList(value, param)?.map((text) => text.toLowerCase())),
    origin: (value, param, into) => (into.origin = parseCountryList(value, param)),
    region: (value, param, into) => (into.region = parseCountryList(value, param)),
  };

/**
 * Validates the OpenRouter routing fields a client sent (`models`, `provider`,
 * `route`; see PRODUCT.md §1.1). Every problem is a 400 `invalid_request` whose
 * `param` is the exact path (`provider.sort`, `models[2]`). `null` counts as
 * absent, and an empty list as no list (SDKs serialise unset lists as `[]`).
 */
export function parseRoutingControls(raw: Readonly<Record<string, unknown>>): RoutingControls {
  parseRoute(raw['route']);
  return { fallbackModels: parseModels(raw['models']), provider: parseProvider(raw['provider']) };
}

function parseModels(value: unknown): readonly string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('models', 'must be an array of model ids.');
  if (value.length > fallbackModelsMax) {
    throw invalid('models', `lists ${value.length} models; at most ${fallbackModelsMax} are allowed.`);
  }
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') throw invalid(`models[${index}]`, 'must be a model id.');
    return entry;
  });
}

/** OpenRouter's `route: "fallback"` predates `models`; `models` already means it, so it changes nothing. */
function parseRoute(value: unknown): void {
  if (value === undefined || value === null || value === 'fallback') return;
  throw invalid('route', 'must be "fallback" (the only routing strategy).');
}

function parseProvider(value: unknown): ProviderPreferences {
  const preferences: MutablePreferences = { allowFallbacks: true, requireParameters: false };
  if (value === undefined || value === null) return preferences;
  if (!isPlainObject(value)) throw invalid('provider', 'must be an object.');
  for (const [key, field] of Object.entries(value)) {
    const param = `provider.${key}`;
    const parser = Object.hasOwn(providerKeyParsers, key) ? providerKeyParsers[key] : undefined;
    if (parser === undefined) {
      const known = Object.keys(providerKeyParsers).join(', ');
      throw invalid(param, `is not a provider routing option (known: ${known}).`);
    }
    if (field !== undefined && field !== null) parser(field, param, preferences);
  }
  return withoutUndefined(preferences);
}

function parseMaxPriceObject(value: unknown, param: string): ProviderPreferences['maxPrice'] {
  if (!isPlainObject(value)) throw invalid(param, 'must be an object such as {"prompt": 1, "completion": 2}.');
  const ceiling: { promptNanosPerMillion?: bigint; completionNanosPerMillion?: bigint } = {};
  for (const [key, field] of Object.entries(value)) {
    if (key !== 'prompt' && key !== 'completion') {
      throw invalid(`${param}.${key}`, 'is not supported (max_price takes prompt and completion).');
    }
    if (field === undefined || field === null) continue;
    const nanos = parseMaxPrice(field, `${param}.${key}`);
    if (key === 'prompt') ceiling.promptNanosPerMillion = nanos;
    else ceiling.completionNanosPerMillion = nanos;
  }
  return ceiling;
}

function parseStringList(value: unknown, param: string): readonly string[] | undefined {
  if (!Array.isArray(value)) throw invalid(param, 'must be an array of strings.');
  if (value.length > preferenceListLengthMax) {
    throw invalid(param, `lists ${value.length} entries; at most ${preferenceListLengthMax} are allowed.`);
  }
  const list = value.map((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry.trim() === '')
      throw invalid(`${param}[${index}]`, 'must be a non-empty string.');
    return entry.trim();
  });
  return list.length === 0 ? undefined : list;
}

function parseCountryList(value: unknown, param: string): readonly string[] | undefined {
  return parseStringList(value, param)?.map((code, index) => {
    if (!/^[A-Za-z]{2}$/.test(code)) {
      throw invalid(`${param}[${index}]`, 'must be an ISO 3166-1 alpha-2 country code such as "US" or "CN".');
    }
    return code.toUpperCase();
  });
}

function parseBoolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw invalid(param, 'must be true or false.');
  return value;
}

function parseEnum<Value extends string>(value: unknown, param: string, allowed: readonly Value[]): Value {
  const match = allowed.find((entry) => entry === value);
  if (match === undefined) throw invalid(param, `must be one of ${allowed.map((entry) => `"${entry}"`).join(', ')}.`);
  return match;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops fields an empty list left undefined, so a parsed value holds only what the client set. */
function withoutUndefined(preferences: MutablePreferences): ProviderPreferences {
  const fields: Record<string, unknown> = preferences;
  for (const key of Object.keys(fields)) {
    if (fields[key] === undefined) delete fields[key];
  }
  return preferences;
}

function invalid(param: string, problem: string): GatewayError {
  return new GatewayError({ code: 'invalid_request', message: `${param} ${problem}`, param });
}
