import { isIPv6 } from 'node:net';
import type { IpAddress } from './ip-address.js';

const ipv4PartsMax = 4;

/**
 * Parses every textual form of an IP address a URL host can carry, the way the
 * WHATWG URL parser does for http(s) hosts: dotted decimal, but also `2130706433`,
 * `0177.0.0.1`, `0x7f.1`, `127.1` and a trailing dot for IPv4 (the forms SSRF filters
 * classically miss), and IPv6 with or without brackets or a zone id (`fe80::1%eth0`).
 * Returns undefined for anything else, a host name included.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const bracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (bracketed.includes(':')) return parseIpv6(bracketed);
  if (bracketed !== text) return undefined;
  return parseIpv4(text);
}

/** WHATWG "IPv4 parser": up to four parts; the last part fills all the bytes the others left. */
function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > ipv4PartsMax) return undefined;
  const numbers: bigint[] = [];
  for (const part of parts) {
    const number = parseIpv4Number(part);
    if (number === undefined) return undefined;
    numbers.push(number);
  }
  const last = numbers.pop();
  if (last === undefined || numbers.some((number) => number > 255n)) return undefined;
  if (last >= 256n ** BigInt(5 - parts.length)) return undefined;
  let value = last;
  numbers.forEach((number, index) => {
    value += number << BigInt(8 * (3 - index));
  });
  return { family: 4, value };
}

/** One IPv4 part: `0x` prefix means hexadecimal, a leading `0` octal, otherwise decimal. */
function parseIpv4Number(part: string): bigint | undefined {
  if (part === '') return undefined;
  let digits = part;
  let pattern = /^[0-9]+$/;
  let prefix = '';
  if (/^0[xX]/.test(part)) {
    digits = part.slice(2);
    pattern = /^[0-9a-fA-F]+$/;
    prefix = '0x';
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    pattern = /^[0-7]+$/;
    prefix = '0o';
  }
  if (digits === '') return 0n;
  if (!pattern.test(digits)) return undefined;
  return BigInt(prefix + digits);
}

/** IPv6 in any valid notation: `::` compression and a trailing dotted IPv4 part; a zone id is ignored. */
function parseIpv6(text: string): IpAddress | undefined {
  const zoneStart = text.indexOf('%');
  const address = zoneStart === -1 ? text : text.slice(0, zoneStart);
  if (!isIPv6(address)) return undefined;
  const groups = expandIpv6Groups(address);
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return { family: 6, value };
}

/** The eight 16-bit groups of a valid IPv6 address (validated by node:net beforehand). */
function expandIpv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const toGroups = (section: string): number[] =>
    section === '' ? [] : section.split(':').flatMap((piece) => convertIpv6Piece(piece));
  const headGroups = toGroups(head);
  if (tail === undefined) return headGroups;
  const tailGroups = toGroups(tail);
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

/** A hexadecimal group, or a trailing dotted IPv4 part as two groups. */
function convertIpv6Piece(piece: string): number[] {
  if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
  const bytes = piece.split('.').map((byte) => Number.parseInt(byte, 10));
  const [a = 0, b = 0, c = 0, d = 0] = bytes;
  return [(a << 8) | b, (c << 8) | d];
}
