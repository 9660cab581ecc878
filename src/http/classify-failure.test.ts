import { describe, expect, it } from 'vitest';
import { GatewayError, UpstreamError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import { canFailOver, classifyFailure } from './classify-failure.js';

const error = (code: ErrorCode) => new GatewayError({ code, message: code });

describe('classifyFailure and canFailOver', () => {
  it("say nothing about the endpoint and never fail over for this node's own conditions", () => {
    const codes: ErrorCode[] = ['ledger_unavailable', 'gateway_overloaded', 'shutting_down', 'request_timeout'];
    expect(codes.map((code) => [classifyFailure(error(code)), canFailOver(error(code))])).toEqual(
      codes.map(() => [undefined, false]),
    );
  });

  it('blame the endpoint and fail over for its faults', () => {
    const status = new UpstreamError({
      code: 'upstream_error',
      message: '502',
      url: 'http://127.0.0.1:1/v1/chat/completions',
      statusCode: 502,
      responseBody: '',
      providerId: 'p',
    });
    const cases = [status, error('upstream_rate_limited'), error('upstream_timeout'), error('upstream_error')];
    expect(cases.map((failure) => [classifyFailure(failure), canFailOver(failure)])).toEqual([
      ['server-error', true],
      ['rate-limited', true],
      ['timeout', true],
      ['connection', true],
    ]);
  });

  it("fail over for a context-length error only, among the client's own mistakes", () => {
    expect([canFailOver(error('context_length_exceeded')), canFailOver(error('invalid_request'))]).toEqual([
      true,
      false,
    ]);
  });
});
