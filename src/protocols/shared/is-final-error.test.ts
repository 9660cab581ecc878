import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';
import { isFinalError } from './is-final-error.js';

describe('isFinalError', () => {
  it.each([
    ['invalid_request', undefined, true],
    ['authentication_failed', undefined, true],
    ['insufficient_credits', undefined, true],
    ['permission_denied', undefined, true],
    ['not_found', undefined, true],
    ['method_not_allowed', undefined, true],
    ['payload_too_large', undefined, true],
    // 409: another body under the key (or another grant under the grant id) is final …
    ['idempotency_conflict', undefined, true],
    ['idempotency_conflict', false, true],
    // … a duplicate that waited too long for the first call may retry.
    ['idempotency_conflict', true, false],
    // 503: the request's own filters exclude every endpoint (the same request meets them again) …
    ['no_available_provider', undefined, true],
    ['no_available_provider', false, true],
    // … endpoints that would serve it are resting or failing: an outage the client may wait out.
    ['no_available_provider', true, false],
    ['request_timeout', undefined, false],
    ['rate_limited', undefined, false],
    ['upstream_error', true, false],
    ['upstream_invalid_response', true, false],
    ['internal_error', undefined, false],
  ] as const)('%s (isRetryable %s) → %s', (code: ErrorCode, isRetryable, expected) => {
    const error = new GatewayError({ code, message: 'x', ...(isRetryable === undefined ? {} : { isRetryable }) });
    expect(isFinalError(error)).toBe(expected);
  });

  it('takes an overridden status (an upstream 422 passed through as invalid_request)', () => {
    expect(isFinalError(new GatewayError({ code: 'invalid_request', message: 'x', status: 422 }))).toBe(true);
  });
});
