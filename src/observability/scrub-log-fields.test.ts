import { describe, expect, it } from 'vitest';
import { isSecretFieldName, scrubLogFields, scrubText } from './scrub-log-fields.js';

describe('scrubLogFields', () => {
  it('returns the very same object when nothing needs changing (a clean line costs no copy)', () => {
    const fields = { event: 'request', requestId: 'req-1', status: 200, nested: { ids: ['gen-1', 'gen-2'] } };
    expect(scrubLogFields(fields)).toBe(fields);
  });

  it('copies only what changes and leaves the caller’s object untouched', () => {
    const fields = { event: 'x', error: 'sent Bearer abcdefghijkl', count: 1n };
    expect(scrubLogFields(fields)).toEqual({ event: 'x', error: 'sent [redacted]', count: '1' });
    expect(fields).toEqual({ event: 'x', error: 'sent Bearer abcdefghijkl', count: 1n });
  });
});

describe('isSecretFieldName', () => {
  it.each([
    ['authorization', true],
    ['Proxy-Authorization', true],
    ['x-api-key', true],
    ['x-goog-api-key', true],
    ['apiKey', true],
    ['api_key', true],
    ['clientSecret', true],
    ['refresh_token', true],
    ['Set-Cookie', true],
    ['masterKeys', true],
    ['keyId', false],
    ['promptTokens', false],
    ['requestId', false],
    ['provider', false],
  ])('%s → %s', (name, expected) => {
    expect(isSecretFieldName(name)).toBe(expected);
  });
});

describe('scrubText', () => {
  it.each([
    ['sk-mer-v1-0123456789abcdefghijABCDEFGHIJ0123 leaked', '[redacted] leaked'],
    ['key sk-proj-abcdefghijklmnop1234', 'key [redacted]'],
    ['anthropic sk-ant-api03-abcdefghijklmnopqrstu', 'anthropic [redacted]'],
    ['google AIzaSyA1234567890abcdefghijklmnopqrstuv', 'google [redacted]'],
    ['groq gsk_abcdefghijklmnopqrstuvwx', 'groq [redacted]'],
    ['header "Bearer abc.def-ghi_jkl" sent', 'header "[redacted]" sent'],
    // Right after a percent escape, as in a logged request path.
    ['/v1/x%2Fsk-mer-v1-0123456789abcdefghijABCDEFGHIJ0123', '/v1/x%2F[redacted]'],
    ['/v1/x/Bearer%20sk-mer-v1-0123456789abcdefghijABCDEFGHIJ0123', '/v1/x/[redacted]'],
    ['/v1/x%3DBearer+abcdefghijkl', '/v1/x%3D[redacted]'],
    // Display prefixes, ids and prose stay.
    ['key sk-mer-v1-AbCd…wxyz', 'key sk-mer-v1-AbCd…wxyz'],
    ['gen-1796000000000-abcdef0123456789', 'gen-1796000000000-abcdef0123456789'],
    ['a task-list of the desk-top items', 'a task-list of the desk-top items'],
  ])('%s', (text, expected) => {
    expect(scrubText(text)).toBe(expected);
  });
});
