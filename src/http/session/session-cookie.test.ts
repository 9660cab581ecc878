import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readSessionCookie, renderClearedSessionCookie, renderSessionCookie } from './session-cookie.js';

function createRequest(headers: IncomingHttpHeaders, socket: Socket = new Socket()): IncomingMessage {
  const request = new IncomingMessage(socket);
  request.headers = headers;
  return request;
}

describe('readSessionCookie', () => {
  it.each([
    ['the only cookie', 'meridian_session=abc', 'abc'],
    ['among others, with spaces', 'theme=dark;  meridian_session=abc-_1 ; lang=en', 'abc-_1'],
    ['the first of two', 'meridian_session=first; meridian_session=second', 'first'],
    ['absent', 'theme=dark; meridian_sessions=abc; xmeridian_session=abc', undefined],
    ['empty', 'meridian_session=; theme=dark', undefined],
    ['a pair without "="', 'meridian_session; theme=dark', undefined],
  ])('reads %s', (_name, header, expected) => {
    expect(readSessionCookie(createRequest({ cookie: header }))).toBe(expected);
  });

  it('reads nothing without a Cookie header', () => {
    expect(readSessionCookie(createRequest({}))).toBeUndefined();
  });
});

describe('renderSessionCookie', () => {
  it('renders HttpOnly, SameSite=Strict, Path=/ and Max-Age, and Secure only when asked', () => {
    expect(renderSessionCookie({ id: 'abc', maxAgeSeconds: 43_200, isSecure: false })).toBe(
      'meridian_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200',
    );
    expect(renderSessionCookie({ id: 'abc', maxAgeSeconds: 43_200, isSecure: true })).toBe(
      'meridian_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure',
    );
  });

  it('clears the cookie with an empty value and Max-Age=0', () => {
    expect(renderClearedSessionCookie(false)).toBe('meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(renderClearedSessionCookie(true)).toBe(
      'meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    );
  });
});
