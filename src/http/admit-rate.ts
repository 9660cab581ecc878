import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors/index.js';
import type { RateDecision } from '../limits/index.js';
import type { AppContext } from './app-context.js';

/** Ends an admitted call for its key's limits: frees its concurrency slot and counts its billed tokens. */
export interface RateFinish {
  readonly finish: (actualTokens: number) => void;
}

/**
 * Per-key rate limits (chat, messages and embeddings alike): refused calls get 429 with Retry-After; every answer
 * carries the x-ratelimit headers.
 */
export function admitRate(app: AppContext, response: ServerResponse, decision: RateDecision): RateFinish {
  for (const [name, value] of Object.entries(decision.headers)) response.setHeader(name, value);
  if (decision.ok) return decision;
  app.metrics.recordRateLimitRefusal(decision.kind);
  throw new GatewayError({
    code: 'rate_limited',
    message: `This key's ${decision.kind === 'concurrency' ? 'concurrent requests' : `${decision.kind} per minute`} limit is reached.`,
    retryAfterSeconds: decision.retryAfterSeconds,
  });
}
