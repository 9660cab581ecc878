import { describe, expect, it } from 'vitest';
import { checkAddress, isAllowListedHostName } from './check-address.js';
import { parseOutboundAllowList } from './parse-allow-list.js';
import { parseCidr } from './parse-cidr.js';
import { parseIpAddress } from './parse-ip-address.js';

function check(ip: string, allow: readonly string[], port: number): unknown {
  return checkAddress(parseIpAddress(ip)!, parseOutboundAllowList(allow), port);
}

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { family: 4, base: 0x0a000000n, prefixLength: 8 }],
    ['127.0.0.1', { family: 4, base: 0x7f000001n, prefixLength: 32 }],
    ['0.0.0.0/0', { family: 4, base: 0n, prefixLength: 0 }],
    ['fd00::/8', { family: 6, base: 0xfdn << 120n, prefixLength: 8 }],
    ['::1', { family: 6, base: 1n, prefixLength: 128 }],
  ])('reads %s', (text, cidr) => {
    expect(parseCidr(text)).toEqual(cidr);
  });

  it.each([
    '10.1.0.0/8',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/08',
    '127.1',
    '0x7f.0.0.1',
    '010.0.0.1',
    '1.2.3.4/',
    'a/8',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('parseOutboundAllowList', () => {
  it('reads blocks, addresses with ports and host names', () => {
    expect(
      parseOutboundAllowList([
        '10.0.0.0/8',
        '127.0.0.1:11434',
        '[::1]:8080',
        '[::1]',
        ' Ollama.Internal. ',
        'vllm.lan:8000',
      ]).entries,
    ).toEqual([
      { kind: 'cidr', cidr: { family: 4, base: 0x0a000000n, prefixLength: 8 }, port: undefined },
      { kind: 'cidr', cidr: { family: 4, base: 0x7f000001n, prefixLength: 32 }, port: 11434 },
      { kind: 'cidr', cidr: { family: 6, base: 1n, prefixLength: 128 }, port: 8080 },
      { kind: 'cidr', cidr: { family: 6, base: 1n, prefixLength: 128 }, port: undefined },
      { kind: 'host', hostName: 'ollama.internal', port: undefined },
      { kind: 'host', hostName: 'vllm.lan', port: 8000 },
    ]);
  });

  it.each([
    ['10.1.0.0/8', 'security.outbound_allow[0] "10.1.0.0/8": not a valid address or CIDR block'],
    ['127.1', 'security.outbound_allow[0] "127.1": not a valid address or CIDR block'],
    ['10.0.0.0/8:80', 'security.outbound_allow[0] "10.0.0.0/8:80": a port can only follow a single address.'],
    ['127.0.0.1:0', 'security.outbound_allow[0] "127.0.0.1:0": the port is not a number from 1 to 65535.'],
    ['127.0.0.1:65536', 'security.outbound_allow[0] "127.0.0.1:65536": the port is not a number from 1 to 65535.'],
    ['host:http', 'security.outbound_allow[0] "host:http": the port is not a number from 1 to 65535.'],
    ['bad host', 'security.outbound_allow[0] "bad host": not a valid host name.'],
    ['', 'security.outbound_allow[0] "": not a valid host name.'],
    ['http://example.com', 'security.outbound_allow[0] "http://example.com": the port is not a number'],
  ])('refuses %j', (entry, message) => {
    expect(() => parseOutboundAllowList([entry])).toThrow(message);
  });

  it('names the position of the bad entry', () => {
    expect(() => parseOutboundAllowList(['10.0.0.0/8', 'fd00::/300'])).toThrow('security.outbound_allow[1]');
  });
});

describe('checkAddress', () => {
  it.each([
    ['10.2.3.4', ['10.0.0.0/8'], 80, { allowed: true, reason: 'allow_listed' }],
    ['127.0.0.1', ['127.0.0.1:11434'], 11434, { allowed: true, reason: 'allow_listed' }],
    ['127.0.0.1', ['127.0.0.1:11434'], 8080, { allowed: false, reason: 'loopback' }],
    ['::ffff:127.0.0.1', ['127.0.0.1'], 80, { allowed: true, reason: 'allow_listed' }],
    ['::1', ['127.0.0.1'], 80, { allowed: false, reason: 'loopback' }],
    ['169.254.169.254', ['10.0.0.0/8'], 80, { allowed: false, reason: 'cloud_metadata' }],
    ['8.8.8.8', [], 443, { allowed: true, reason: 'public' }],
    ['10.0.0.1', ['ollama.internal'], 80, { allowed: false, reason: 'private' }],
  ])('%s with allow %j on port %i → %j', (ip, allow, port, verdict) => {
    expect(check(ip, allow, port)).toEqual(verdict);
  });

  it('matches host names exactly, ignoring a trailing dot, and honours ports', () => {
    const allowList = parseOutboundAllowList(['ollama.internal', 'vllm.lan:8000']);
    expect(isAllowListedHostName('ollama.internal', allowList, 1)).toBe(true);
    expect(isAllowListedHostName('ollama.internal.', allowList, 1)).toBe(true);
    expect(isAllowListedHostName('x.ollama.internal', allowList, 1)).toBe(false);
    expect(isAllowListedHostName('vllm.lan', allowList, 8000)).toBe(true);
    expect(isAllowListedHostName('vllm.lan', allowList, 8001)).toBe(false);
  });
});
