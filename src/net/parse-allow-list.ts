import { domainToASCII } from 'node:url';
import type { Cidr } from './parse-cidr.js';
import { parseCidr } from './parse-cidr.js';

/** One trusted destination from `security.outbound_allow`; `port` undefined means every port. */
export type AllowListEntry =
  | { readonly kind: 'cidr'; readonly cidr: Cidr; readonly port: number | undefined }
  | { readonly kind: 'host'; readonly hostName: string; readonly port: number | undefined };

/** The operator's trusted destinations, parsed once at start. */
export interface OutboundAllowList {
  readonly entries: readonly AllowListEntry[];
}

const hostNamePattern =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses the operator's allow-list. Each entry is one of:
 * - a CIDR block or single address: `10.0.0.0/8`, `fd00::/8`, `127.0.0.1`;
 * - a single address with a port: `127.0.0.1:11434`, `[::1]:8080`;
 * - a host name, optionally with a port: `ollama.internal`, `ollama.internal:11434` — every
 *   address the name resolves to is then trusted, so list only names whose DNS you control.
 *
 * A port narrows trust to one service: `127.0.0.1:11434` lets a webhook reach a local model
 * server but not the gateway's own admin port on the same address. Throws on the first
 * malformed entry, naming it, so a typo stops the gateway at start instead of silently
 * trusting nothing (or too much).
 */
export function parseOutboundAllowList(entries: readonly string[]): OutboundAllowList {
  return { entries: entries.map((entry, index) => parseEntry(entry, index)) };
}

function parseEntry(text: string, index: number): AllowListEntry {
  const entry = text.trim().toLowerCase();
  const { host, port } = splitPort(entry) ?? failEntry(text, index, 'the port is not a number from 1 to 65535');
  const cidr = parseCidr(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
  if (cidr !== undefined) {
    const isSingleAddress = cidr.prefixLength === (cidr.family === 4 ? 32 : 128);
    if (port !== undefined && !isSingleAddress) failEntry(text, index, 'a port can only follow a single address');
    return { kind: 'cidr', cidr, port };
  }
  if (/^[0-9.]+$/.test(host) || host.includes(':') || host.includes('/')) {
    failEntry(text, index, 'not a valid address or CIDR block (IPv4 in dotted decimal, no host bits past the prefix)');
  }
  // The same ASCII (punycode) form the URL parser gives a request's host name.
  const hostName = domainToASCII(host.endsWith('.') ? host.slice(0, -1) : host);
  if (!hostNamePattern.test(hostName)) failEntry(text, index, 'not a valid host name');
  return { kind: 'host', hostName, port };
}

/** Splits `host:port` and `[v6]:port`; a bare IPv6 address or CIDR keeps its colons. */
function splitPort(entry: string): { host: string; port: number | undefined } | undefined {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(entry);
  const match = bracketed ?? (/^[^:]*:[^:]*$/.test(entry) ? /^([^:]*):(.*)$/.exec(entry) : null);
  if (match === null) return { host: entry, port: undefined };
  const [, host = '', portText] = match;
  if (portText === undefined) return { host, port: undefined };
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65_535) return undefined;
  return { host, port: Number(portText) };
}

function failEntry(text: string, index: number, problem: string): never {
  throw new Error(`security.outbound_allow[${index}] "${text}": ${problem}.`);
}
