import type { AddressClassification, AddressRefusalReason } from './address-reason.js';
import type { IpAddress } from './ip-address.js';
import { cidrContains } from './parse-cidr.js';
import { parseIpAddress } from './parse-ip-address.js';
import type { RangeVerdict } from './special-ranges.js';
import { ipv4SpecialRanges, ipv6SpecialRanges } from './special-ranges.js';

const publicAddress: AddressClassification = { allowed: true, reason: 'public' };

/**
 * Decides whether a URL that arrived through the API or a request may reach an
 * address: only ordinary Internet addresses pass. Loopback, private, link-local,
 * cloud-metadata, shared (CGNAT), multicast, documentation, benchmarking and
 * reserved blocks are refused, including when hidden inside IPv6 (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4) or behind Teredo. Accepts every textual form the
 * WHATWG URL parser accepts (`2130706433`, `0177.0.0.1`, `[::ffff:7f00:1]`, …);
 * anything that is not an address is refused as `not_an_ip`.
 */
export function classifyAddress(ip: string): AddressClassification {
  const address = parseIpAddress(ip);
  if (address === undefined) return refuse('not_an_ip');
  return classifyIpAddress(address);
}

/** The same decision on an already parsed address. */
export function classifyIpAddress(address: IpAddress): AddressClassification {
  if (address.family === 4) return convertVerdict(findVerdict(address), address);
  return convertVerdict(findVerdict(address) ?? 'reserved', address);
}

/** For IPv4-mapped IPv6 (`::ffff:a.b.c.d`) the IPv4 address the socket really reaches; otherwise the address itself. */
export function unwrapMappedAddress(address: IpAddress): IpAddress {
  const isMapped = address.family === 6 && address.value >> 32n === 0xffffn;
  return isMapped ? { family: 4, value: address.value & 0xffffffffn } : address;
}

function findVerdict(address: IpAddress): RangeVerdict | undefined {
  const ranges = address.family === 4 ? ipv4SpecialRanges : ipv6SpecialRanges;
  return ranges.find((range) => cidrContains(range.cidr, address))?.verdict;
}

function convertVerdict(verdict: RangeVerdict | undefined, address: IpAddress): AddressClassification {
  if (verdict === undefined || verdict === 'public') return publicAddress;
  const lowIpv4: IpAddress = { family: 4, value: address.value & 0xffffffffn };
  if (verdict === 'embeds_ipv4_low') return classifyIpAddress(lowIpv4);
  if (verdict === 'embeds_ipv4_compatible') {
    const inner = classifyIpAddress(lowIpv4);
    return inner.allowed ? refuse('reserved') : inner;
  }
  if (verdict === 'embeds_ipv4_6to4')
    return classifyIpAddress({ family: 4, value: (address.value >> 80n) & 0xffffffffn });
  return refuse(verdict);
}

function refuse(reason: AddressRefusalReason): AddressClassification {
  return { allowed: false, reason };
}
