import { buildConnector } from 'undici';
import { boundLookup } from './bound-lookup.js';
import type { OutboundLookup } from './outbound-lookup.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import type { OutboundAllowList } from './parse-allow-list.js';
import { resolveTarget } from './resolve-target.js';

export interface GuardedConnectorOptions {
  readonly allowList: OutboundAllowList;
  readonly lookup: OutboundLookup;
  /** Bounds the DNS lookup and, separately, the TCP/TLS handshake → undici ConnectTimeoutError. */
  readonly connectTimeoutMs: number;
}

/**
 * An undici `connect` function that is the SSRF guard's last word: every new socket
 * resolves its host itself, checks EVERY address, and then connects to a checked
 * address literally, so the socket layer never resolves the name again. A DNS answer
 * that changes between an earlier check and the connection (rebinding) is therefore
 * judged on the answer actually used. There is no fallback: a refusal fails the
 * connection. TLS still verifies the certificate against the original host name.
 *
 * Give it to any undici Agent that sends to URLs from the API or a request:
 * `new Agent({ connect: createGuardedConnector(…) })`. It connects to the first checked
 * address only (no happy-eyeballs across families).
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const connectSocket = buildConnector({ timeout: options.connectTimeoutMs });
  return function connectGuarded(connectOptions, callback) {
    const { protocol, host, hostname } = connectOptions;
    const displayUrl = `${protocol}//${host ?? hostname}`;
    if (protocol !== 'http:' && protocol !== 'https:') {
      callback(new OutboundRefusedError({ reason: 'unsupported_scheme', url: displayUrl }), null);
      return;
    }
    const port = connectOptions.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(connectOptions.port);
    const resolving = resolveTarget({ hostName: hostname, port, displayUrl }, options);
    boundLookup(resolving, { timeoutMs: options.connectTimeoutMs, hostName: hostname }).then(
      ([address]) => {
        // Every address is checked; the first is the one the resolver preferred. Never connect to a blank host:
        // the socket layer would read it as localhost.
        if (address === undefined) callback(new OutboundRefusedError({ reason: 'not_an_ip', url: displayUrl }), null);
        else connectSocket({ ...connectOptions, hostname: address }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}
