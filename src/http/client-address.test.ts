import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { isForwardedHttps, parseTrustedProxies, readClientAddress } from './client-address.js';

const trusted = parseTrustedProxies(['127.0.0.1', '10.0.0.0/8', '::1']);

function createRequest(peer: string | undefined, headers: IncomingHttpHeaders, socket = new Socket()): IncomingMessage {
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const request = new IncomingMessage(socket);
  request.headers = headers;
  return request;
}

describe('readClientAddress', () => {
  it.each([
    ['a trusted peer, one hop', '127.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['a chain through trusted hops', '10.0.0.5', '203.0.113.7, 10.1.2.3, 10.9.9.9', '203.0.113.7'],
    ['a spoofed left-most entry', '127.0.0.1', '198.51.100.1, 203.0.113.7', '203.0.113.7'],
    ['a spoofed entry left of trusted hops', '127.0.0.1', '10.0.0.1, 203.0.113.7, 10.0.0.2', '203.0.113.7'],
    ['only trusted hops: the left-most', '127.0.0.1', '10.0.0.1, 10.0.0.2', '10.0.0.1'],
    ['an IPv6 client', '::1', '2001:db8::7', '2001:db8::7'],
    ['a mapped IPv4 peer', '::ffff:127.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['a mapped IPv4 hop in a trusted block', '::1', '203.0.113.7, ::ffff:10.0.0.3', '203.0.113.7'],
    ['a mapped IPv4 client', '127.0.0.1', '::ffff:203.0.113.7', '::ffff:203.0.113.7'],
    ['spaces and no spaces', '127.0.0.1', ' 203.0.113.9 ,10.0.0.1', '203.0.113.9'],
    ['a malformed right-most entry: the peer', '127.0.0.1', '203.0.113.7, unknown', '127.0.0.1'],
    ['an entry with a port: the peer', '127.0.0.1', '203.0.113.7:4711', '127.0.0.1'],
    ['a bracketed IPv6 entry: the peer', '127.0.0.1', '[2001:db8::7]', '127.0.0.1'],
    ['an empty entry reached: the peer', '127.0.0.1', '203.0.113.7, , 10.0.0.1', '127.0.0.1'],
    ['a malformed entry left of the client is never read', '127.0.0.1', 'evil, 203.0.113.7', '203.0.113.7'],
    ['an untrusted peer: the header is ignored', '192.0.2.4', '203.0.113.7', '192.0.2.4'],
    ['a peer in no listed block (10/8 is IPv4 only)', '::ffff:11.0.0.1', '203.0.113.7', '::ffff:11.0.0.1'],
  ])('%s', (_name, peer, header, expected) => {
    expect(readClientAddress(createRequest(peer, { 'x-forwarded-for': header }), trusted)).toBe(expected);
  });

  it('answers the trusted peer itself without the header, or with an empty one', () => {
    expect(readClientAddress(createRequest('10.2.3.4', {}), trusted)).toBe('10.2.3.4');
    expect(readClientAddress(createRequest('10.2.3.4', { 'x-forwarded-for': ' ' }), trusted)).toBe('10.2.3.4');
  });

  it('ignores the header when nothing is trusted (the default)', () => {
    const request = createRequest('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' });
    expect(readClientAddress(request, [])).toBe('127.0.0.1');
  });

  it('answers undefined for a socket without a peer address', () => {
    expect(readClientAddress(createRequest(undefined, { 'x-forwarded-for': '203.0.113.7' }), trusted)).toBeUndefined();
  });
});

describe('isForwardedHttps', () => {
  it.each([
    ['127.0.0.1', {}, false],
    ['127.0.0.1', { 'x-forwarded-proto': 'http' }, false],
    ['127.0.0.1', { 'x-forwarded-proto': 'https' }, true],
    ['::ffff:127.0.0.1', { 'x-forwarded-proto': 'HTTPS' }, true],
    ['10.4.4.4', { 'x-forwarded-proto': 'https, http' }, true],
    ['::1', { 'x-forwarded-proto': 'http, https' }, false],
    ['192.0.2.4', { 'x-forwarded-proto': 'https' }, false],
  ] as const)('plain socket from %s with %j → %s', (peer, headers, expected) => {
    expect(isForwardedHttps(createRequest(peer, headers), trusted)).toBe(expected);
  });

  it('ignores the header when nothing is trusted', () => {
    expect(isForwardedHttps(createRequest('127.0.0.1', { 'x-forwarded-proto': 'https' }), [])).toBe(false);
  });

  it('is https on a TLS socket, from any peer', () => {
    const request = createRequest('192.0.2.4', {}, new TLSSocket(new Socket()));
    expect(isForwardedHttps(request, [])).toBe(true);
  });
});

describe('parseTrustedProxies', () => {
  it('parses addresses and blocks', () => {
    expect(parseTrustedProxies(['10.0.0.0/8', '::1'])).toEqual([
      { family: 4, base: 0x0a00_0000n, prefixLength: 8 },
      { family: 6, base: 1n, prefixLength: 128 },
    ]);
  });

  it('names the first malformed entry', () => {
    expect(() => parseTrustedProxies(['127.0.0.1', '10.1.0.0/8'])).toThrow(
      'server.trusted_proxies[1] "10.1.0.0/8" is not an address or CIDR.',
    );
  });
});
