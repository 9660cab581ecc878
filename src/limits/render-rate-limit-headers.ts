import type { KeyRateLimits } from '../storage/index.js';

/** A key's counts in the current minute before this request. */
export interface RateCounts {
  readonly requests: number;
  readonly tokens: number;
}

/**
 * OpenAI-style `x-ratelimit-*-requests|tokens` headers, plus the generic
 * `x-ratelimit-limit|remaining|reset` for the requests limit (or tokens when only
 * that is set). Remaining counts include this request when it is admitted.
 */
export function renderRateLimitHeaders(
  counts: RateCounts,
  limits: KeyRateLimits,
  resetSeconds: number,
  admitted: RateCounts,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const reset = `${resetSeconds}s`;
  if (limits.requestsPerMinute !== null) {
    const remaining = Math.max(0, limits.requestsPerMinute - counts.requests - admitted.requests);
    headers['x-ratelimit-limit-requests'] = String(limits.requestsPerMinute);
    headers['x-ratelimit-remaining-requests'] = String(remaining);
    headers['x-ratelimit-reset-requests'] = reset;
  }
  if (limits.tokensPerMinute !== null) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tokensPerMinute);
    headers['x-ratelimit-remaining-tokens'] = String(
      Math.max(0, limits.tokensPerMinute - counts.tokens - admitted.tokens),
    );
    headers['x-ratelimit-reset-tokens'] = reset;
  }
  const generic =
    limits.requestsPerMinute !== null ? 'requests' : limits.tokensPerMinute !== null ? 'tokens' : undefined;
  if (generic !== undefined) {
    headers['x-ratelimit-limit'] = headers[`x-ratelimit-limit-${generic}`]!;
    headers['x-ratelimit-remaining'] = headers[`x-ratelimit-remaining-${generic}`]!;
    headers['x-ratelimit-reset'] = String(resetSeconds);
  }
  return headers;
}
