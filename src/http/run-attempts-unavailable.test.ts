import { describe, expect, it } from 'vitest';
import type { EndpointHealthSnapshot } from '../health/health-types.js';
import type { RouteAttempt } from '../routing/routing-types.js';
import { unavailable } from './run-attempts.js';

const attempt = { endpoint: { provider: { id: 'pc' } } } as unknown as RouteAttempt;
const nowMs = 1_000_000;

function snapshot(circuit: EndpointHealthSnapshot['circuit'], unavailableUntilMs?: number): EndpointHealthSnapshot {
  return {
    circuit,
    uptime: { last5m: undefined, last30m: undefined, last1d: undefined },
    recentRequests: 10,
    recentFailures: 10,
    ttftMs: undefined,
    tokensPerSecond: undefined,
    unavailableUntilMs,
  };
}

describe('unavailable', () => {
  it('is 429 upstream_rate_limited only for a provider resting after its own Retry-After', () => {
    expect(unavailable(attempt, snapshot('closed', nowMs + 4_500), nowMs)).toMatchObject({
      code: 'upstream_rate_limited',
      status: 429,
      retryAfterSeconds: 5,
    });
  });

  it('is 503 no_available_provider for an open circuit, with the time left', () => {
    expect(unavailable(attempt, snapshot('open', nowMs + 15_000), nowMs)).toMatchObject({
      code: 'no_available_provider',
      status: 503,
      retryAfterSeconds: 15,
      isRetryable: true,
      message: 'Provider pc is failing (circuit open); no other endpoint could serve.',
    });
  });

  it('is 503 for a half-open circuit whose probe is in flight, retry in a second (never a rate limit)', () => {
    expect(unavailable(attempt, snapshot('half-open'), nowMs)).toMatchObject({
      code: 'no_available_provider',
      status: 503,
      retryAfterSeconds: 1,
      isRetryable: true,
      message:
        'Provider pc is recovering (circuit half-open: one probe call is testing it); no other endpoint could serve.',
    });
  });
});
