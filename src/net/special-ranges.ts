import type { AddressRefusalReason } from './address-reason.js';
import type { Cidr } from './parse-cidr.js';
import { parseCidr } from './parse-cidr.js';

/** What a special range means for an outbound request. */
export type RangeVerdict =
  | AddressRefusalReason
  /** The address carries an IPv4 address (bits 96–127); the IPv4 address decides. */
  | 'embeds_ipv4_low'
  /** IPv4-compatible `::a.b.c.d` (deprecated): refused with the IPv4 reason, or `reserved` when that one is public. */
  | 'embeds_ipv4_compatible'
  /** 6to4 `2002:aabb:ccdd::/48` carries its IPv4 address in bits 16–47. */
  | 'embeds_ipv4_6to4'
  /** An ordinary, globally routed address. */
  | 'public';

export interface SpecialRange {
  readonly cidr: Cidr;
  readonly verdict: RangeVerdict;
}

/**
 * IPv4 special-purpose blocks (IANA registry, RFC 6890 and successors), most specific
 * first: the first block that holds an address decides. Cloud metadata endpoints come
 * before their enclosing blocks so the refusal names them.
 */
export const ipv4SpecialRanges: readonly SpecialRange[] = buildRanges([
  // AWS, GCP, Azure and OpenStack instance metadata, and the AWS ECS task metadata endpoint.
  ['169.254.169.254/32', 'cloud_metadata'],
  ['169.254.170.2/32', 'cloud_metadata'],
  // Alibaba Cloud metadata (inside the shared address space).
  ['100.100.100.200/32', 'cloud_metadata'],
  // Oracle Cloud metadata (inside the IETF protocol assignments block).
  ['192.0.0.192/32', 'cloud_metadata'],
  // Azure WireServer: globally numbered but only meaningful (and privileged) from inside an Azure VM.
  ['168.63.129.16/32', 'cloud_metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier_grade_nat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  // Deprecated 6to4 relay anycast (RFC 7526).
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

/**
 * IPv6 special-purpose blocks, most specific first. Anything outside 2000::/3 (the
 * only block IANA allocates for global unicast) that no entry names is `reserved`.
 */
export const ipv6SpecialRanges: readonly SpecialRange[] = buildRanges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // IPv4-mapped: the socket layer connects to the IPv4 address itself.
  ['::ffff:0:0/96', 'embeds_ipv4_low'],
  // IPv4-translated (SIIT, RFC 6145).
  ['::ffff:0:0:0/96', 'embeds_ipv4_low'],
  ['::/96', 'embeds_ipv4_compatible'],
  // NAT64 well-known prefix (RFC 6052): the translator connects to the embedded IPv4 address.
  ['64:ff9b::/96', 'embeds_ipv4_low'],
  // Local-use NAT64 prefix (RFC 8215): translation inside one operator's network.
  ['64:ff9b:1::/48', 'private'],
  // Discard-only (RFC 6666).
  ['100::/64', 'reserved'],
  // Teredo tunnels: the embedded server and client addresses are obfuscated, so nothing reliable to check.
  ['2001::/32', 'teredo'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  // The rest of the IETF protocol assignments (ORCHID, AMT, AS112, anycast services): no webhook lives there.
  ['2001::/23', 'reserved'],
  ['2002::/16', 'embeds_ipv4_6to4'],
  ['3fff::/20', 'documentation'],
  ['2000::/3', 'public'],
  // AWS instance metadata over IPv6 (inside the unique-local block).
  ['fd00:ec2::254/128', 'cloud_metadata'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link_local'],
  // Deprecated site-local (RFC 3879): still routed inside some networks.
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
]);

function buildRanges(entries: readonly (readonly [string, RangeVerdict])[]): SpecialRange[] {
  return entries.map(([text, verdict]) => {
    const cidr = parseCidr(text);
    if (cidr === undefined) throw new Error(`Bad built-in range ${text}.`);
    return { cidr, verdict };
  });
}
