import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { classifyFailure } from '../http/classify-failure.js';
import { mapTransportError } from './map-transport-error.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('mapTransportError', () => {
  it('makes a local shortage of descriptors, buffers or memory the gateway overload, not the provider failing', () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']) {
      const mapped = mapTransportError(systemError(code), 'acme');
      expect(mapped).toBeInstanceOf(GatewayError);
      expect({ code: mapped.code, status: mapped.status, retryAfterSeconds: mapped.retryAfterSeconds }).toEqual({
        code: 'gateway_overloaded',
        status: 503,
        retryAfterSeconds: 1,
      });
      expect(mapped.message).toContain(code);
      // Says nothing about the endpoint: no health penalty, no fallback to another endpoint.
      expect(classifyFailure(mapped)).toBeUndefined();
    }
  });

  it('keeps refusals, resets and timeouts on the provider: retryable, and counted against its health', () => {
    const refused = mapTransportError(systemError('ECONNREFUSED'), 'acme');
    expect({ code: refused.code, isRetryable: refused.isRetryable }).toEqual({
      code: 'upstream_error',
      isRetryable: true,
    });
    expect(classifyFailure(refused)).toBe('connection');
    const timedOut = mapTransportError(systemError('UND_ERR_HEADERS_TIMEOUT'), 'acme');
    expect(timedOut.code).toBe('upstream_timeout');
    expect(classifyFailure(timedOut)).toBe('timeout');
  });
});
