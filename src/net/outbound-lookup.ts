import { lookup } from 'node:dns/promises';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/**
 * Resolves a host name to every address it has. Injectable so tests can stand in
 * for DNS (a name resolving to loopback, an answer that changes between calls)
 * without a network.
 */
export type OutboundLookup = (hostName: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (getaddrinfo, so /etc/hosts counts), every address, in the resolver's order. */
export const systemLookup: OutboundLookup = (hostName) => lookup(hostName, { all: true, verbatim: true });
