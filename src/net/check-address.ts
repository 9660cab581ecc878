import type { AddressClassification } from './address-reason.js';
import { classifyIpAddress, unwrapMappedAddress } from './classify-address.js';
import type { IpAddress } from './ip-address.js';
import type { OutboundAllowList } from './parse-allow-list.js';
import { cidrContains } from './parse-cidr.js';

/** A classification that the operator's allow-list may have overridden. */
export type AddressCheck = AddressClassification | { readonly allowed: true; readonly reason: 'allow_listed' };

/**
 * Whether an outbound connection may go to `address` on `port`: an allow-listed
 * block (with a matching port, when the entry has one) passes whatever its range,
 * anything else must be an ordinary Internet address. An IPv4-mapped address is
 * matched as the IPv4 address the socket really reaches.
 */
export function checkAddress(address: IpAddress, allowList: OutboundAllowList, port: number): AddressCheck {
  const reached = unwrapMappedAddress(address);
  const isListed = allowList.entries.some(
    (entry) =>
      entry.kind === 'cidr' && (entry.port === undefined || entry.port === port) && cidrContains(entry.cidr, reached),
  );
  return isListed ? { allowed: true, reason: 'allow_listed' } : classifyIpAddress(address);
}

/** Whether the operator trusts this host name (URL form, lower case) on this port. */
export function isAllowListedHostName(hostName: string, allowList: OutboundAllowList, port: number): boolean {
  const name = hostName.endsWith('.') ? hostName.slice(0, -1) : hostName;
  return allowList.entries.some(
    (entry) => entry.kind === 'host' && entry.hostName === name && (entry.port === undefined || entry.port === port),
  );
}
