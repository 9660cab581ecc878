import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { cidrContains, parseCidr, parseIpAddress } from '../net/index.js';
import type { Cidr, IpAddress } from '../net/index.js';

/** The peers whose forwarding headers are believed (config `server.trusted_proxies`), parsed once at start. */
export type TrustedProxies = readonly Cidr[];

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`): the top 96 bits of such an address. */
const mappedIpv4Prefix = 0xffffn;

/**
 * Parses `server.trusted_proxies`: CIDR blocks or single addresses (`10.0.0.0/8`, `127.0.0.1`, `::1`). Throws on
 * the first malformed entry, naming it (the config schema has already rejected them, so this is a backstop).
 */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  return entries.map((entry, index) => {
    const cidr = parseCidr(entry);
    if (cidr === undefined) throw new Error(`server.trusted_proxies[${index}] "${entry}" is not an address or CIDR.`);
    return cidr;
  });
}

/**
 * The address of the client behind a request. When the socket peer is a trusted proxy, `x-forwarded-for` is read
 * from the right (each proxy appends the address it received from): trusted hops are skipped and the first
 * untrusted address is the client; entries further left were written by that client and are not believed. A
 * chain of only trusted hops names its left-most entry. A malformed entry reached on the walk (not a plain IP
 * address: no port, no brackets) means a misconfigured proxy, so the peer is answered. From any other peer the
 * header is ignored. The header is bounded by Node's header size limit (16 KiB), so the walk is too.
 */
export function readClientAddress(request: IncomingMessage, trusted: TrustedProxies): string | undefined {
  const peer = request.socket.remoteAddress;
  if (peer === undefined || !isTrustedAddress(peer, trusted)) return peer;
  const value = request.headers['x-forwarded-for'];
  const header = Array.isArray(value) ? value.join(',') : value;
  if (header === undefined || header.trim() === '') return peer;
  const hops = header.split(',').map((hop) => hop.trim());
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index]!;
    if (isIP(hop) === 0) return peer;
    if (index === 0 || !isTrustedAddress(hop, trusted)) return hop;
  }
  return peer;
}

/**
 * Whether the client reached us over https: TLS on this socket, or, from a trusted proxy only, the first
 * `x-forwarded-proto` (the one the client-facing proxy wrote) says `https`. Any other peer could claim it.
 */
export function isForwardedHttps(request: IncomingMessage, trusted: TrustedProxies): boolean {
  if ((request.socket as Partial<TLSSocket>).encrypted === true) return true;
  const peer = request.socket.remoteAddress;
  if (peer === undefined || !isTrustedAddress(peer, trusted)) return false;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',', 1)[0];
  return first?.trim().toLowerCase() === 'https';
}

/** Whether a plain IP address (as a socket reports it) lies in a trusted block; `::ffff:a.b.c.d` also as IPv4. */
function isTrustedAddress(text: string, trusted: TrustedProxies): boolean {
  if (trusted.length === 0 || isIP(text) === 0) return false;
  const address = parseIpAddress(text);
  if (address === undefined) return false;
  const unmapped = unmapIpv4(address);
  return trusted.some(
    (cidr) => cidrContains(cidr, address) || (unmapped !== undefined && cidrContains(cidr, unmapped)),
  );
}

function unmapIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6 || address.value >> 32n !== mappedIpv4Prefix) return undefined;
  return { family: 4, value: address.value & 0xffff_ffffn };
}
