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
    expect(readSessionCookie(createRequest({ cookie: header }), false)).toBe(expected);
  });

  it('reads nothing without a Cookie header', () => {
    expect(readSessionCookie(createRequest({}), false)).toBeUndefined();
    expect(readSessionCookie(createRequest({}), true)).toBeUndefined();
  });

  it.each([
    ['the __Host- cookie over https', '__Host-meridian_session=abc', true, 'abc'],
    [
      'only the __Host- cookie over https, wherever the plain one sits',
      'meridian_session=planted; __Host-meridian_session=abc',
      true,
      'abc',
    ],
    ['no plain cookie over https (another host could have planted it)', 'meridian_session=planted', true, undefined],
    ['no __Host- cookie over plain http', '__Host-meridian_session=abc', false, undefined],
    [
      'the plain cookie over plain http beside a __Host- one',
      '__Host-meridian_session=abc; meridian_session=def',
      false,
      'def',
    ],
  ])('reads %s', (_name, header, isSecure, expected) => {
    expect(readSessionCookie(createRequest({ cookie: header }), isSecure)).toBe(expected);
  });
});

describe('renderSessionCookie', () => {
  it('renders HttpOnly, SameSite=Strict, Path=/ and Max-Age, and Secure with the __Host- name only when asked', () => {
    expect(renderSessionCookie({ id: 'abc', maxAgeSeconds: 43_200, isSecure: false })).toBe(
      'meridian_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200',
    );
    expect(renderSessionCookie({ id: 'abc', maxAgeSeconds: 43_200, isSecure: true })).toBe(
      '__Host-meridian_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure',
    );
  });

  it('clears the cookie with an empty value and Max-Age=0', () => {
    expect(renderClearedSessionCookie(false)).toBe('meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(renderClearedSessionCookie(true)).toBe(
      '__Host-meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    );
  });
});
