import { GatewayError } from '../errors/index.js';

/**
 * The longest Idempotency-Key accepted. UUIDs (36) and ULIDs (26) fit easily;
 * the bound keeps the primary-key index small and refuses a header used as storage.
 */
export const idempotencyKeyLengthMax = 255;

/** Printable ASCII only (space to tilde): header-safe, and compared byte for byte. */
const printableAscii = /^[\x20-\x7e]+$/;

/**
 * Checks an `Idempotency-Key` header value: 1 to {@link idempotencyKeyLengthMax}
 * printable ASCII characters, else 400 `invalid_request` with param `Idempotency-Key`.
 * Given every line of the header (`headersDistinct`), it takes exactly one: two keys
 * on one request would name neither (Node joins them as `a, b`).
 */
export function parseIdempotencyKey(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalidKey('must be sent once');
    return parseIdempotencyKey(value[0]);
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > idempotencyKeyLengthMax) {
    throw invalidKey(`must be 1 to ${idempotencyKeyLengthMax} characters long`);
  }
  if (!printableAscii.test(value)) throw invalidKey('must contain printable ASCII characters only');
  return value;
}

function invalidKey(reason: string): GatewayError {
  return new GatewayError({
    code: 'invalid_request',
    message: `The Idempotency-Key header ${reason}.`,
    param: 'Idempotency-Key',
  });
}
