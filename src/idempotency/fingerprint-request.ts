import { createHash } from 'node:crypto';

/**
 * What makes two requests "the same" for Idempotency-Key: SHA-256 (hex) of the
 * method (upper-cased), the path and the raw body bytes. The path must already be
 * normalised by the caller (the app's `/api/v1/x` → `/v1/x`, no trailing slash),
 * so aliases of one route fingerprint alike. Parts are separated by a NUL byte,
 * which neither a method nor a path can hold, so no two inputs run together.
 * Raw bytes, not parsed JSON: a re-serialised body could hide a difference.
 */
export function fingerprintRequest(method: string, path: string, body: Buffer): string {
  return createHash('sha256')
    .update(method.toUpperCase())
    .update('\0')
    .update(path)
    .update('\0')
    .update(body)
    .digest('hex');
}
