import { parseInstant, parseTimeZone } from '../../analytics/index.js';
import { parsePriceNanosPerMillion } from '../../catalog/parse-price.js';
import { limits } from '../../config/index.js';
import { nanosMax } from '../../ledger/index.js';
import { GatewayError } from '../../errors/index.js';
import type { KeyPatch, KeyRateLimits, KeyRecord } from '../../storage/index.js';

const resets = new Set(['daily', 'weekly', 'monthly', 'none']);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError({ code: 'invalid_request', message: `${param}: ${message}`, param });
}

/** A USD amount as a decimal string or number (≥ 0) → nano-units; null clears it. */
export function readUsd(value: unknown, param: string): bigint | null {
  if (value === null) return null;
  const text = typeof value === 'number' && Number.isFinite(value) ? writePlainDecimal(value) : value;
  if (typeof text !== 'string' || !/^\d{1,12}(\.\d{1,9})?$/.test(text)) {
    throw invalid(param, 'must be a non-negative USD amount with at most 9 decimals, e.g. "25.00".');
  }
  const nanos = parsePriceNanosPerMillion(text);
  if (nanos > nanosMax) throw invalid(param, 'must be at most 1000000000 USD.');
  return nanos;
}

/**
 * A number as the decimal JavaScript writes it, without exponent: JSON clients write amounts under a micro-dollar in
 * exponent form (`JSON.stringify(0.0000001)` is `1e-7`), and the API renders them so too.
 */
function writePlainDecimal(value: number): string {
  const text = String(value);
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

function readCount(value: unknown, param: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limits.keyRateLimitMax) {
    throw invalid(param, `must be an integer from 1 to ${limits.keyRateLimitMax}, or null.`);
  }
  return value;
}

/**
 * The key fields an admin may set (at creation or in a PATCH), validated, each
 * error naming its field. Absent fields are absent from the patch.
 */
export function parseKeyFields(body: Record<string, unknown>): KeyPatch {
  const patch: { -readonly [K in keyof KeyPatch]: KeyPatch[K] } = {};
  if ('name' in body) {
    const name = body['name'];
    if (typeof name !== 'string' || name.trim() === '' || name.length > limits.adminNameLengthMax)
      throw invalid('name', `must be 1–${limits.adminNameLengthMax} characters.`);
    patch.name = name.trim();
  }
  if ('disabled' in body) {
    if (typeof body['disabled'] !== 'boolean') throw invalid('disabled', 'must be a boolean.');
    patch.isDisabled = body['disabled'];
  }
  if ('limit' in body) patch.limitNanos = readUsd(body['limit'], 'limit');
  if ('limit_reset' in body) {
    const reset = body['limit_reset'];
    if (typeof reset !== 'string' || !resets.has(reset))
      throw invalid('limit_reset', 'must be daily, weekly, monthly or none.');
    patch.limitReset = reset as KeyRecord['limitReset'];
  }
  if ('expires_at' in body) patch.expiresAtMs = readExpiry(body['expires_at']);
  if ('allowed_models' in body) patch.allowedModels = readModels(body['allowed_models']);
  const rateLimits = readRateLimits(body);
  if (Object.keys(rateLimits).length > 0) patch.rateLimits = rateLimits;
  return patch;
}

/**
 * `expires_at`: ISO 8601 only, never read in the server's own time zone: a date is its UTC midnight, a date-time must
 * name its zone, and a date that does not exist (02-30) is refused rather than rolled over.
 */
function readExpiry(value: unknown): number | null {
  if (value === null) return null;
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    // The zone is made on use: an Intl formatter with a time zone loads ICU's zone data, about 8 MiB resident.
    return parseInstant(value, parseTimeZone('UTC'), 'expires_at');
  } catch {
    throw invalid(
      'expires_at',
      'must be an ISO 8601 date (UTC) or a date-time with its zone, e.g. "2030-01-01T00:00:00Z", or null.',
    );
  }
}

function readModels(value: unknown): readonly string[] | null {
  if (value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length > 1_000 ||
    !value.every((item) => typeof item === 'string' && item !== '')
  ) {
    throw invalid('allowed_models', 'must be an array of model slugs or null.');
  }
  return value as string[];
}

function readRateLimits(body: Record<string, unknown>): Partial<KeyRateLimits> {
  const limits: { -readonly [K in keyof KeyRateLimits]?: KeyRateLimits[K] } = {};
  if ('requests_per_minute' in body)
    limits.requestsPerMinute = readCount(body['requests_per_minute'], 'requests_per_minute');
  if ('tokens_per_minute' in body) limits.tokensPerMinute = readCount(body['tokens_per_minute'], 'tokens_per_minute');
  if ('concurrency' in body) limits.concurrencyMax = readCount(body['concurrency'], 'concurrency');
  return limits;
}
