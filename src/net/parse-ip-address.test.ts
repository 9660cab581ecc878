import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpAddress } from './parse-ip-address.js';

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

/** What the WHATWG URL parser makes of a host, or undefined when it refuses it. */
function urlHostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

describe('parseIpAddress', () => {
  it.each([
    ['127.0.0.1', 4, 0x7f000001n],
    ['2130706433', 4, 0x7f000001n],
    ['0177.0.0.1', 4, 0x7f000001n],
    ['0x7f.1', 4, 0x7f000001n],
    ['0x7F.0X0.0.01', 4, 0x7f000001n],
    ['127.1', 4, 0x7f000001n],
    ['127.0.1', 4, 0x7f000001n],
    ['127.0.0.1.', 4, 0x7f000001n],
    ['017700000001', 4, 0x7f000001n],
    ['0x', 4, 0n],
    ['0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['4294967295', 4, 0xffffffffn],
    ['::1', 6, 1n],
    ['[::1]', 6, 1n],
    ['::', 6, 0n],
    ['::ffff:127.0.0.1', 6, 0xffff7f000001n],
    ['[::ffff:7f00:1]', 6, 0xffff7f000001n],
    ['0:0:0:0:0:ffff:7f00:1', 6, 0xffff7f000001n],
    ['fe80::1%eth0', 6, (0xfe80n << 112n) | 1n],
    ['2001:db8::ff00:42:8329', 6, 0x20010db8000000000000ff0000428329n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
    ['1::', 6, 1n << 112n],
  ])('reads %s', (text, family, value) => {
    expect(parseIpAddress(text)).toEqual({ family, value });
  });

  it.each([
    'localhost',
    'example.com',
    '',
    '.',
    '1.2.3.4.5',
    '256.0.0.1',
    '4294967296',
    '0x100000000',
    '08.0.0.1',
    '1..2',
    '127.0.0.1x',
    '[127.0.0.1]',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '[::1',
    '::g',
  ])('refuses %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it('reads any IPv4 number written in mixed radixes and part counts exactly as the URL parser does', () => {
    const renderPart = (value: bigint, radix: 'decimal' | 'octal' | 'hex'): string =>
      radix === 'decimal'
        ? value.toString(10)
        : radix === 'octal'
          ? `0${value.toString(8)}`
          : `0x${value.toString(16)}`;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 0xffffffffn }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom('decimal' as const, 'octal' as const, 'hex' as const), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (value, partCount, radixes, hasTrailingDot) => {
          const bytes = [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 255n);
          const leading = bytes.slice(0, partCount - 1);
          const lastBits = BigInt(8 * (5 - partCount));
          const last = value & ((1n << lastBits) - 1n);
          const parts = [...leading, last].map((part, index) => renderPart(part, radixes[index] ?? 'decimal'));
          const text = parts.join('.') + (hasTrailingDot ? '.' : '');
          expect(urlHostName(text)).toBe(formatIpv4(value));
          expect(parseIpAddress(text)).toEqual({ family: 4, value });
        },
      ),
    );
  });

  it('agrees with the URL parser on every host built from digits, hex letters, x and dots', () => {
    const alphabet = fc.constantFrom(...'0178a9fxX.g'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, minLength: 1, maxLength: 16 }), (text) => {
        const parsed = parseIpAddress(text);
        const hostName = urlHostName(text);
        const isDottedQuad = hostName !== undefined && /^[0-9]+(?:\.[0-9]+){3}$/.test(hostName);
        if (parsed !== undefined) expect(hostName).toBe(formatIpv4(parsed.value));
        if (isDottedQuad) expect(parsed).toEqual(parseIpAddress(hostName));
      }),
      { numRuns: 2000 },
    );
  });
});
