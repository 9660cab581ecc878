import { addressBits } from './ip-address.js';
import type { IpAddress } from './ip-address.js';
import { parseIpAddress } from './parse-ip-address.js';

/** A block of addresses: every address whose first `prefixLength` bits equal the base's. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefixLength: number;
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8` or a bare address (a block of one). Strict, because
 * it reads operator configuration: only dotted-quad IPv4 and standard IPv6, no host
 * bits set beyond the prefix (`10.1.0.0/8` is almost always a typo for a narrower block).
 */
export function parseCidr(text: string): Cidr | undefined {
  const [addressText = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const isDottedQuad = /^(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}$/.test(addressText);
  if (!isDottedQuad && !addressText.includes(':')) return undefined;
  if (addressText.includes('%') || addressText.includes('[')) return undefined;
  const address = parseIpAddress(addressText);
  if (address === undefined) return undefined;
  const bits = addressBits(address.family);
  let prefixLength = bits;
  if (prefixText !== undefined) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
    prefixLength = Number(prefixText);
    if (prefixLength > bits) return undefined;
  }
  if (hostBits(address.value, bits - prefixLength) !== 0n) return undefined;
  return { family: address.family, base: address.value, prefixLength };
}

/** Whether the block holds the address. Families never match each other: callers unwrap `::ffff:a.b.c.d` first. */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  const shift = BigInt(addressBits(cidr.family) - cidr.prefixLength);
  return address.value >> shift === cidr.base >> shift;
}

function hostBits(value: bigint, count: number): bigint {
  return value & ((1n << BigInt(count)) - 1n);
}
