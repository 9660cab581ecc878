import { createHash } from 'node:crypto';
import { GatewayError } from '../errors/index.js';
import type { CacheRequest, ResponseCache } from './response-cache.js';

/** The request header that asks for the cache, and the one that bounds the age of an answer it accepts. */
export const cacheHeaderName = 'x-meridian-cache';
export const cacheTtlHeaderName = 'x-meridian-cache-ttl';

/**
 * What a model call asks of the response cache. `undefined`: it did not ask (`x-meridian-cache` absent or `false`);
 * `'off'`: it asked, but this gateway's cache is not enabled. `x-meridian-cache-ttl` alone asks too (an age bound
 * only means something for a cached answer). A header that is neither `true` nor `false`, or a TTL
 * that is not a whole number of seconds from 1 to the configured TTL, is a 400 `invalid_request` naming the header.
 */
export function readCacheRequest(input: {
  readonly cache: ResponseCache | undefined;
  readonly header: string | undefined;
  readonly ttlHeader: string | undefined;
  readonly orgId: string;
  readonly protocol: string;
  readonly body: Uint8Array;
  /** Request headers that shape the answer besides the body (Anthropic's `anthropic-beta`), as one string; '' = none. */
  readonly variant?: string;
}): CacheRequest | 'off' | undefined {
  const { cache, header, ttlHeader } = input;
  if (header === undefined && ttlHeader === undefined) return undefined;
  const asked = (header ?? 'true').trim().toLowerCase();
  if (asked !== 'true' && asked !== 'false') {
    throw new GatewayError({
      code: 'invalid_request',
      message: `The ${cacheHeaderName} header must be true or false.`,
      param: cacheHeaderName,
    });
  }
  if (asked === 'false') return undefined;
  if (cache === undefined) return 'off';
  return {
    key: computeCacheKey(input.orgId, input.protocol, input.body, input.variant),
    ttlMs: readTtlMs(ttlHeader, cache.ttlMs),
  };
}

function readTtlMs(header: string | undefined, ttlMaxMs: number): number {
  if (header === undefined) return ttlMaxMs;
  const seconds = /^\s*\d{1,9}\s*$/.test(header) ? Number(header) : Number.NaN;
  if (!(seconds >= 1 && seconds * 1000 <= ttlMaxMs)) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `The ${cacheTtlHeaderName} header must be a whole number of seconds from 1 to ${ttlMaxMs / 1000}.`,
      param: cacheTtlHeaderName,
    });
  }
  return seconds * 1000;
}

/**
 * The cache key: SHA-256 of the org, the client's protocol and the request body's bytes as sent. The org keeps every
 * org's answers apart (INV-8); the body holds everything that shapes an answer (model, messages, tools, sampling,
 * `stream`, routing preferences). Raw bytes, as for `Idempotency-Key`: a body written differently (other spacing,
 * other key order) is another key, never a wrong hit. A `variant` (the headers that also shape the answer, such as the
 * betas an Anthropic client turns on) is added when there is one, so calls without it keep their keys. Parts are
 * separated by a NUL byte, which an org id, a protocol id, a header value and a parsed JSON body cannot hold.
 */
export function computeCacheKey(orgId: string, protocol: string, body: Uint8Array, variant = ''): string {
  const hash = createHash('sha256').update(orgId).update('\0').update(protocol).update('\0');
  if (variant !== '') hash.update('variant:').update(variant).update('\0');
  return hash.update(body).digest('hex');
}
