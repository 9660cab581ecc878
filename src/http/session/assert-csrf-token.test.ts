import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import { assertCsrfToken, isSafeMethod } from './assert-csrf-token.js';

const token = 'Q2hlY2tzIHRoZSBDU1JGIHRva2VuIGluIHRoZSB0ZXN0';

function createRequest(headers: IncomingHttpHeaders): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.headers = headers;
  return request;
}

function readFailure(headers: IncomingHttpHeaders): unknown {
  try {
    assertCsrfToken(createRequest(headers), token);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('assertCsrfToken', () => {
  it('accepts the session token', () => {
    expect(readFailure({ 'x-csrf-token': token })).toBeUndefined();
  });

  it.each([
    ['missing', {}],
    ['empty', { 'x-csrf-token': '' }],
    ['another token of the same length', { 'x-csrf-token': `${token.slice(0, -1)}x` }],
    ['a prefix', { 'x-csrf-token': token.slice(0, 10) }],
    ['the token with a suffix', { 'x-csrf-token': `${token}x` }],
  ])('refuses a token that is %s with 403 csrf_failed', (_name, headers) => {
    const failure = readFailure(headers);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ code: 'csrf_failed', status: 403 });
  });
});

describe('isSafeMethod', () => {
  it.each([
    ['GET', true],
    ['HEAD', true],
    ['POST', false],
    ['PATCH', false],
    ['DELETE', false],
    ['PUT', false],
    ['OPTIONS', false],
    [undefined, false],
  ])('%s → %s', (method, expected) => {
    expect(isSafeMethod(method)).toBe(expected);
  });
});
