import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { parseIdempotencyKey } from './parse-idempotency-key.js';

describe('parseIdempotencyKey', () => {
  it.each([
    ['one character', 'a'],
    ['255 characters', 'k'.repeat(255)],
    ['a UUID', '5f0c6a8e-2b7d-4c1e-9a3f-0d4b8e6c2a71'],
    ['space and tilde, the ends of printable ASCII', ' ~'],
    ['punctuation', 'agent:run/42#step=7'],
  ])('accepts %s', (_name, value) => {
    expect(parseIdempotencyKey(value)).toBe(value);
    expect(parseIdempotencyKey([value])).toBe(value);
  });

  it.each([
    ['an empty string', '', 'must be 1 to 255 characters long'],
    ['256 characters', 'k'.repeat(256), 'must be 1 to 255 characters long'],
    ['a non-string', 42, 'must be 1 to 255 characters long'],
    ['a tab', 'a\tb', 'must contain printable ASCII characters only'],
    ['a newline', 'a\nb', 'must contain printable ASCII characters only'],
    ['DEL (0x7f)', 'a\x7fb', 'must contain printable ASCII characters only'],
    ['a Latin-1 letter', 'caf\u00e9', 'must contain printable ASCII characters only'],
    ['an emoji', 'run-🙂', 'must contain printable ASCII characters only'],
    ['two header lines', ['a', 'b'], 'must be sent once'],
    ['an empty header line', [''], 'must be 1 to 255 characters long'],
  ])('refuses %s with invalid_request on param Idempotency-Key', (_name, value, reason) => {
    let caught: unknown;
    try {
      parseIdempotencyKey(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({
      code: 'invalid_request',
      status: 400,
      param: 'Idempotency-Key',
      message: `The Idempotency-Key header ${reason}.`,
    });
  });
});
