import { isIPv4, isIPv6 } from 'node:net';

/**
 * The sign-in throttle's bucket for a remote address: an IPv4 address as it is (IPv4-mapped IPv6 included), an
 * IPv6 address by its /64 prefix (one host usually holds a whole /64, so per-address counting would let it
 * rotate through 2^64 addresses). The address is `readClientAddress`'s (behind a trusted proxy, the forwarded client).
 */
export function convertThrottleAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped !== null && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(remoteAddress) || !isIPv6(remoteAddress)) return remoteAddress;
  const groups = expandIpv6(remoteAddress.split('%', 1)[0]!);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (hex, no leading zeros); `::` filled with zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::', 2);
  const toGroups = (part: string): string[] =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ipv4Groups(group) : [group]));
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16).toString(16));
}

/** A dotted IPv4 tail of an IPv6 address as its two 16-bit groups. */
function ipv4Groups(dotted: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
