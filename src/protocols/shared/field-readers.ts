import { GatewayError } from '../../errors/index.js';

/** A JSON object as received: unknown values under string keys. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 400 `invalid_request` naming the field at fault. */
export function invalid(param: string, message: string): GatewayError {
  return new GatewayError({ code: 'invalid_request', message: `${param}: ${message}`, param });
}

export function readOptionalString(object: JsonObject, key: string, param: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(param, 'must be a string.');
  return value;
}

export function readOptionalBoolean(object: JsonObject, key: string, param: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(param, 'must be a boolean.');
  return value;
}

/** A finite number within [minimum, maximum]; integers only when `isInteger`. */
export function readOptionalNumber(
  object: JsonObject,
  key: string,
  bounds: { readonly minimum: number; readonly maximum: number; readonly isInteger?: boolean },
): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const kind = bounds.isInteger === true ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (bounds.isInteger === true && !Number.isInteger(value))) {
    throw invalid(key, `must be ${kind}.`);
  }
  if (value < bounds.minimum || value > bounds.maximum) {
    throw invalid(key, `must be ${kind} from ${bounds.minimum} to ${bounds.maximum}, got ${value}.`);
  }
  return value;
}

/** `{ key: value }` when the value is defined, `{}` otherwise (for optional fields under exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The body's fields for which `keep` is true, unchanged. */
export function pickFields(body: JsonObject, keep: (key: string) => boolean): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(body)) if (keep(key)) picked[key] = body[key];
  return picked;
}

/** The value as a plain JSON object, or undefined for anything else (arrays and null included). */
export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** Token counts above this are impossible for one call and treated as unknown (INV-7). */
const tokensPlausibleMax = 100_000_000;

/** A provider's token count: a non-negative integer, or undefined for anything else (null, negative, fractional, absurd). */
export function readTokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= tokensPlausibleMax
    ? value
    : undefined;
}
