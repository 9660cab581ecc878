import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { boundLookup } from './bound-lookup.js';
import { createGuardedConnector } from './create-guarded-connector.js';
import { followRedirect, isRedirectStatus } from './follow-redirect.js';
import type { HopRequest } from './follow-redirect.js';
import { systemLookup } from './outbound-lookup.js';
import type { OutboundLookup } from './outbound-lookup.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import { parseOutboundAllowList } from './parse-allow-list.js';
import type { OutboundAllowList } from './parse-allow-list.js';
import { parseOutboundUrl } from './parse-outbound-url.js';
import { readBoundedBody } from './read-bounded-body.js';
import { redactUrl } from './redact-url.js';
import { resolveTarget } from './resolve-target.js';

/** Redirect bodies beyond this are not drained: the connection is closed instead. */
const redirectBodyBytesMax = 16 * 1024;

export interface GuardedClientTimeouts {
  /** DNS lookup, and then the TCP/TLS handshake, each → undici ConnectTimeoutError. */
  readonly connectMs: number;
  /** From request sent to response headers → undici HeadersTimeoutError. */
  readonly headersMs: number;
  /** Longest silence between two body chunks → undici BodyTimeoutError. */
  readonly bodyIdleMs: number;
  /** Whole call, every redirect and the body included (a server trickling one byte per idle period) → abort. */
  readonly totalMs: number;
}

export interface GuardedClientOptions {
  /** The operator's trusted destinations (`security.outbound_allow`): CIDRs, `ip:port`, host names. */
  readonly allow: readonly string[];
  readonly timeouts: GuardedClientTimeouts;
  /** Largest response body read → OutboundResponseTooLargeError. */
  readonly bodyBytesMax: number;
  /** Redirects followed per call, each one checked like the first URL → OutboundRefusedError `redirect_limit`. */
  readonly redirectsMax: number;
  /** DNS stand-in for tests; the system resolver otherwise. */
  readonly lookup?: OutboundLookup;
}

export interface GuardedRequestInit {
  /** Default GET. */
  readonly method?: string;
  /** A `host` header is ignored: the URL alone decides where the request goes. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes, not a stream, so a 307/308 redirect can send it again. */
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

export interface GuardedResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The URL that answered, after redirects, without credentials, query or fragment. */
  readonly url: string;
  readonly redirectCount: number;
}

export interface GuardedClient {
  /**
   * Sends one request to a URL that arrived through the API or a request, following
   * redirects by hand. Rejects with OutboundRefusedError when the URL or any redirect
   * target may not be reached (nothing is sent to it), with OutboundResponseTooLargeError
   * past the body limit, and with undici's errors on transport failures and timeouts.
   */
  fetchGuarded(url: string | URL, init?: GuardedRequestInit): Promise<GuardedResponse>;
  close(): Promise<void>;
}

/**
 * The one outbound HTTP client for URLs the operator did not write in the config
 * file: admin-created providers, bring-your-own-key endpoints, image URLs, webhooks.
 * Each URL is checked before sending, and again by the connection itself at connect
 * time (see createGuardedConnector), which is the check that counts: a DNS answer
 * that changes in between (rebinding) meets the second one. Throws at creation when
 * the allow-list is malformed.
 */
export function createGuardedClient(options: GuardedClientOptions): GuardedClient {
  const allowList = parseOutboundAllowList(options.allow);
  const lookup = options.lookup ?? systemLookup;
  const agent = new Agent({
    connect: createGuardedConnector({ allowList, lookup, connectTimeoutMs: options.timeouts.connectMs }),
    headersTimeout: options.timeouts.headersMs,
    bodyTimeout: options.timeouts.bodyIdleMs,
    keepAliveTimeout: 4_000,
    connections: 64,
  });
  const context: HopContext = { agent, allowList, lookup, lookupTimeoutMs: options.timeouts.connectMs };

  async function fetchGuarded(input: string | URL, init: GuardedRequestInit = {}): Promise<GuardedResponse> {
    const deadline = AbortSignal.timeout(options.timeouts.totalMs);
    const signal = init.signal === undefined ? deadline : AbortSignal.any([init.signal, deadline]);
    let hop: HopRequest = {
      url: parseOutboundUrl(input),
      method: (init.method ?? 'GET').toUpperCase(),
      headers: convertHeaders(init.headers ?? {}),
      body: init.body,
    };
    for (let redirectCount = 0; ; redirectCount += 1) {
      const response = await sendHop(hop, signal, context);
      const location = response.headers['location'];
      if (!isRedirectStatus(response.statusCode) || location === undefined) {
        const body = await readBoundedBody(response.body, {
          bodyBytesMax: options.bodyBytesMax,
          contentLength: readContentLength(response.headers),
          url: redactUrl(hop.url),
        });
        return {
          statusCode: response.statusCode,
          headers: response.headers,
          body,
          url: redactUrl(hop.url),
          redirectCount,
        };
      }
      // A redirect's own body is small; reading it lets the connection be reused.
      await response.body.dump({ limit: redirectBodyBytesMax });
      if (redirectCount >= options.redirectsMax) {
        throw new OutboundRefusedError({ reason: 'redirect_limit', url: redactUrl(hop.url) });
      }
      hop = followRedirect(hop, response.statusCode, parseLocation(location, hop.url));
    }
  }

  return { fetchGuarded, close: () => agent.close() };
}

interface HopContext {
  readonly agent: Agent;
  readonly allowList: OutboundAllowList;
  readonly lookup: OutboundLookup;
  readonly lookupTimeoutMs: number;
}

/**
 * One request. The early check gives a refusal before any connection machinery; the
 * connector repeats it for real on every new socket. A refusal raised by the connector
 * is re-raised with this hop's URL (the connector only knows the origin).
 */
async function sendHop(hop: HopRequest, signal: AbortSignal, context: HopContext): Promise<Dispatcher.ResponseData> {
  const displayUrl = redactUrl(hop.url);
  const port = hop.url.port === '' ? (hop.url.protocol === 'https:' ? 443 : 80) : Number(hop.url.port);
  const checking = resolveTarget({ hostName: hop.url.hostname, port, displayUrl }, context);
  await boundLookup(checking, { timeoutMs: context.lookupTimeoutMs, hostName: hop.url.hostname, signal });
  // undici opens the connection before it notices an aborted signal: do not start one for nothing.
  signal.throwIfAborted();
  try {
    return await request(hop.url, {
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      signal,
      dispatcher: context.agent,
    });
  } catch (error) {
    if (!(error instanceof OutboundRefusedError)) throw error;
    throw new OutboundRefusedError({ reason: error.reason, url: displayUrl, address: error.address });
  }
}

/** Lower-case names, so redirect rules find them; `host` dropped. */
function convertHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const converted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lowerName = name.toLowerCase();
    if (lowerName !== 'host') converted[lowerName] = value;
  }
  return converted;
}

/** A redirect target, resolved against the URL that sent it and read like any outbound URL. */
function parseLocation(location: string | string[], base: URL): URL {
  if (typeof location !== 'string') throw new OutboundRefusedError({ reason: 'invalid_url', url: redactUrl(base) });
  let resolved: URL;
  try {
    resolved = new URL(location, base);
  } catch {
    throw new OutboundRefusedError({ reason: 'invalid_url', url: redactUrl(base) });
  }
  return parseOutboundUrl(resolved);
}

function readContentLength(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const value = headers['content-length'];
  return typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : undefined;
}
