import { Agent } from 'undici';
import { limits } from '../config/index.js';
import type { Provider } from '../catalog/catalog-types.js';
import { createGuardedConnector, parseOutboundAllowList, systemLookup } from '../net/index.js';
import type { OutboundAllowList, OutboundLookup } from '../net/index.js';
import type { UpstreamRequest } from '../protocols/adapter-types.js';
import type { CallAbort } from './create-call-abort.js';
import { decodeUpstreamBody } from './decode-upstream-body.js';
import { dispatchExchange } from './dispatch-exchange.js';
import { mapTransportError } from './map-transport-error.js';
import type { UpstreamBody } from './upstream-body.js';

export interface UpstreamClientOptions {
  readonly connectTimeoutMs: number;
  /** Time until response headers; undici's `headersTimeout`. */
  readonly firstByteTimeoutMs: number;
  /** Longest gap between body chunks; undici's `bodyTimeout`. */
  readonly idleTimeoutMs: number;
  /**
   * What providers created through the API may reach beyond public addresses (config `security.outbound_allow`);
   * default: nothing.
   */
  readonly outboundAllowList?: OutboundAllowList;
  /** DNS for the guarded connections (tests stand in for it); the system resolver otherwise. */
  readonly outboundLookup?: OutboundLookup;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body: Readable-like events and async iteration, read as it arrives (see {@link UpstreamBody}). */
  readonly body: UpstreamBody;
  readonly url: string;
}

/** Per-attempt timing: how long to wait for the response headers (a stream's first byte, or a JSON answer). */
export interface AttemptTiming {
  readonly headersTimeoutMs: number;
}

export interface UpstreamClient {
  /** Sends one request to a provider; rejects with a GatewayError on transport failure. */
  send(
    provider: Provider,
    upstreamRequest: UpstreamRequest,
    signal: CallAbort,
    timing: AttemptTiming,
  ): Promise<UpstreamResponse>;
  /** The provider's first-byte timeout for a streaming attempt (its override, else the gateway's). */
  firstByteTimeoutMs(provider: Provider): number;
  close(): Promise<void>;
}

/**
 * The only module that performs HTTP to providers. One pooled undici Agent per
 * provider keeps connections warm and isolates a slow provider's pool from the others.
 * Providers created through the API get an Agent whose every new socket goes through
 * the SSRF guard (DNS answers checked at connect time, see createGuardedConnector);
 * the operator's own providers (config file, built-in catalog) connect as written.
 * No Agent follows redirects: a 3xx is an upstream error like any other non-2xx.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const agents = new Map<string, Agent>();
  const guardedConnect = createGuardedConnector({
    allowList: options.outboundAllowList ?? parseOutboundAllowList([]),
    lookup: options.outboundLookup ?? systemLookup,
    connectTimeoutMs: options.connectTimeoutMs,
  });

  function agentFor(provider: Provider): Agent {
    // Keyed by kind too: one id never shares a pool between a guarded and a trusted provider.
    const agentKey = `${provider.isApiManaged === true ? 'api' : 'operator'}:${provider.id}`;
    let agent = agents.get(agentKey);
    if (agent === undefined) {
      agent = new Agent({
        connect:
          provider.isApiManaged === true
            ? guardedConnect
            : { timeout: provider.timeouts.connectMs ?? options.connectTimeoutMs },
        headersTimeout: provider.timeouts.firstByteMs ?? options.firstByteTimeoutMs,
        bodyTimeout: provider.timeouts.idleMs ?? options.idleTimeoutMs,
        keepAliveTimeout: 30_000,
        connections: limits.upstreamConnectionsPerProviderMax,
      });
      agents.set(agentKey, agent);
    }
    return agent;
  }

  async function send(
    provider: Provider,
    upstreamRequest: UpstreamRequest,
    signal: CallAbort,
    timing: AttemptTiming,
  ): Promise<UpstreamResponse> {
    const url = provider.baseUrl + upstreamRequest.path;
    try {
      // The origin and path split once per base URL: parsing the whole URL on every call costs ≈ 12 µs of CPU.
      const target = splitBaseUrl(provider.baseUrl);
      const { origin, path } =
        target === undefined ? splitUrl(url) : { origin: target.origin, path: target.path(upstreamRequest) };
      const response = await dispatchExchange(
        agentFor(provider),
        {
          origin,
          path,
          method: 'POST',
          headers: buildHeaders(provider, upstreamRequest),
          body: upstreamRequest.body,
          headersTimeout: Math.max(1, Math.floor(timing.headersTimeoutMs)),
        },
        signal,
      );
      const body = decodeUpstreamBody(response.body, response.headers['content-encoding']);
      return { statusCode: response.statusCode, headers: response.headers, body, url };
    } catch (error) {
      throw mapTransportError(error, provider.id);
    }
  }

  async function close(): Promise<void> {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    agents.clear();
  }

  return {
    send,
    close,
    firstByteTimeoutMs: (provider) => provider.timeouts.firstByteMs ?? options.firstByteTimeoutMs,
  };
}

interface SplitBaseUrl {
  readonly origin: string;
  /** The request's path: what follows the origin in the base URL, then the request's own path. */
  readonly path: (upstreamRequest: UpstreamRequest) => string;
}

/** Base URLs split so far, or undefined for one that is not just an origin and a path. */
const splitBaseUrls = new Map<string, SplitBaseUrl | undefined>();
/** Distinct base URLs remembered at most (providers are configured, not per call; this only bounds the map). */
const splitBaseUrlsMax = 1_024;

/**
 * `http://host:port/v1` → origin `http://host:port` and the requests' paths `/v1…`, exactly the URL that
 * `baseUrl + path` names. A base URL with credentials, a query or a fragment is not split (undefined): such a call
 * goes through undici's URL-parsing `request`, as before.
 */
export function splitBaseUrl(baseUrl: string): SplitBaseUrl | undefined {
  if (splitBaseUrls.has(baseUrl)) return splitBaseUrls.get(baseUrl);
  const parsed = new URL(baseUrl);
  const isPlain = parsed.username === '' && parsed.password === '' && !/[?#]/.test(baseUrl);
  const prefix = parsed.pathname === '/' && !baseUrl.endsWith('/') ? '' : parsed.pathname;
  const split = isPlain
    ? { origin: parsed.origin, path: (upstream: UpstreamRequest) => prefix + upstream.path }
    : undefined;
  if (splitBaseUrls.size >= splitBaseUrlsMax) splitBaseUrls.clear();
  splitBaseUrls.set(baseUrl, split);
  return split;
}

/** Request headers: the adapter's, the provider's configured extras, then auth (never logged). */
function buildHeaders(provider: Provider, upstreamRequest: UpstreamRequest): Record<string, string> {
  const headers: Record<string, string> = { ...upstreamRequest.headers, ...provider.headers };
  if (provider.apiKey !== undefined && provider.apiKey !== '') {
    headers[provider.authHeader] =
      provider.authHeader === 'authorization' ? `Bearer ${provider.apiKey}` : provider.apiKey;
  }
  return headers;
}

/** Any URL as undici's origin and path (query kept): for base URLs `splitBaseUrl` does not split. */
function splitUrl(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}
