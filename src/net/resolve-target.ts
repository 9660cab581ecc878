import { isIP } from 'node:net';
import { checkAddress, isAllowListedHostName } from './check-address.js';
import type { OutboundLookup } from './outbound-lookup.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import type { OutboundAllowList } from './parse-allow-list.js';
import { parseIpAddress } from './parse-ip-address.js';

/** Where a guarded request wants to connect, as the URL parser normalised it. */
export interface OutboundTarget {
  /** URL host name: dotted-quad IPv4, bracketed IPv6, or a lower-case ASCII name. */
  readonly hostName: string;
  readonly port: number;
  /** What a refusal error shows as the URL. */
  readonly displayUrl: string;
}

export interface ResolveTargetOptions {
  readonly allowList: OutboundAllowList;
  readonly lookup: OutboundLookup;
}

/**
 * The addresses a connection to `target` may use, each one checked; throws
 * OutboundRefusedError when the target must not be reached. A name resolving to
 * several addresses is refused if ANY of them is refused: connecting only to the
 * "good" ones would let an attacker's DNS steer the choice. `localhost` and
 * `*.localhost` are loopback by definition (RFC 6761) and refused without a lookup.
 * A host name the operator allow-listed is trusted with whatever it resolves to.
 */
export async function resolveTarget(target: OutboundTarget, options: ResolveTargetOptions): Promise<string[]> {
  if (parseIpAddress(target.hostName) !== undefined) {
    const address = target.hostName.replace(/^\[|\]$/g, '');
    assertAllowed(address, target, options, false);
    return [address];
  }
  const isTrusted = isAllowListedHostName(target.hostName, options.allowList, target.port);
  if (!isTrusted && isLocalhostName(target.hostName)) {
    throw new OutboundRefusedError({ reason: 'loopback', url: target.displayUrl });
  }
  const resolved = await options.lookup(target.hostName);
  const addresses = resolved.map((entry) => entry.address);
  for (const address of addresses) assertAllowed(address, target, options, isTrusted);
  // An empty answer must not fall through to some default address.
  if (addresses.length === 0)
    throw Object.assign(new Error(`No address for ${target.hostName}.`), { code: 'ENOTFOUND' });
  return addresses;
}

/**
 * Only canonical addresses (as node:net reads them) pass, even for a trusted name: the
 * socket layer must receive an address it will not resolve again.
 */
function assertAllowed(
  address: string,
  target: OutboundTarget,
  options: ResolveTargetOptions,
  isTrusted: boolean,
): void {
  const parsed = isIP(address) === 0 ? undefined : parseIpAddress(address);
  if (parsed === undefined) throw new OutboundRefusedError({ reason: 'not_an_ip', url: target.displayUrl, address });
  if (isTrusted) return;
  const check = checkAddress(parsed, options.allowList, target.port);
  if (check.allowed) return;
  throw new OutboundRefusedError({ reason: check.reason, url: target.displayUrl, address });
}

function isLocalhostName(hostName: string): boolean {
  const name = hostName.endsWith('.') ? hostName.slice(0, -1) : hostName;
  return name === 'localhost' || name.endsWith('.localhost');
}
