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
 *
 * A 503 `no_available_provider` is final when the request itself excludes every endpoint (its provider preferences,
 * required parameters, data policy or price ceiling; a model whose providers are not configured): the same request
 * meets the same filters. It is retryable (`isRetryable`) when endpoints that would serve it are resting or failing (an
 * outage the client may wait out).
 */
export function isFinalError(error: GatewayError): boolean {
  if (finalStatuses.has(error.status)) return true;
  const isFinalUnlessRetryable = error.code === 'idempotency_conflict' || error.code === 'no_available_provider';
  return isFinalUnlessRetryable && !error.isRetryable;
}
