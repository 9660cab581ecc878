import type { GatewayError } from '../../errors/index.js';

/**
 * Statuses a retry of the same request cannot fix. 405: the route never takes this method. 408, 409, 429 and 5xx are
 * left to the client's retry policy (the official SDKs retry 408, 409, 429 and 5xx by default).
 */
const finalStatuses = new Set([400, 401, 402, 403, 404, 405, 413, 422, 431]);

/**
 * Whether an error gets `x-should-retry: false`, which the official OpenAI and Anthropic SDKs obey before their own
 * status rules. A 409 `idempotency_conflict` is final when its key was used for another body (or a grant id for
 * another grant): the same request meets the same record for 24 h. The 409 of a duplicate that waited too long for
 * the first call is retryable (`isRetryable`), since the first call may end and be replayed.
 */
export function isFinalError(error: GatewayError): boolean {
  if (finalStatuses.has(error.status)) return true;
  return error.code === 'idempotency_conflict' && !error.isRetryable;
}
