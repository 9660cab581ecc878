import { randomBytes } from 'node:crypto';

/** Request ids for logs and error bodies: `req_` + 20 hex characters. */
export function createRequestId(): string {
  return `req_${randomBytes(10).toString('hex')}`;
}

/** Generation ids, the response `id` that works with GET /api/v1/generation: `gen-<ms>-<random>`. */
export function createGenerationId(nowMs: number): string {
  return `gen-${nowMs}-${randomBytes(12).toString('base64url')}`;
}
