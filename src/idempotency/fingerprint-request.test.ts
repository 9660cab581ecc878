import { describe, expect, it } from 'vitest';
import { fingerprintRequest } from './fingerprint-request.js';

const body = Buffer.from('{"model":"a"}');

describe('fingerprintRequest', () => {
  it('is the SHA-256 hex of method, NUL, path, NUL, body (vectors from sha256sum)', () => {
    expect(fingerprintRequest('POST', '/v1/chat/completions', body)).toBe(
      '65551e411a7745ecfc4431c8164b740da2adf6f64084197900e805e187c0e150',
    );
    expect(fingerprintRequest('post', '/v1/chat/completions', Buffer.alloc(0))).toBe(
      'cd1bc14f4b3c17be9283bcf3592d461bd45d74029fbdd60681c885c71a889992',
    );
  });

  it.each([
    ['method', () => fingerprintRequest('PUT', '/v1/chat/completions', body)],
    ['path', () => fingerprintRequest('POST', '/v1/messages', body)],
    ['body (one byte)', () => fingerprintRequest('POST', '/v1/chat/completions', Buffer.from('{"model":"b"}'))],
    ['body (whitespace only)', () => fingerprintRequest('POST', '/v1/chat/completions', Buffer.from('{"model": "a"}'))],
    [
      'boundary between path and body',
      () => fingerprintRequest('POST', '/v1/chat/completions{', Buffer.from('"model":"a"}')),
    ],
  ])('changes with the %s', (_name, fingerprint) => {
    expect(fingerprint()).not.toBe(fingerprintRequest('POST', '/v1/chat/completions', body));
  });
});
