import { Agent, request } from 'undici';
import type { Provider } from '../catalog/catalog-types.js';
import { createGuardedConnector, OutboundRefusedError, systemLookup } from '../net/index.js';
import type { OutboundAllowList, OutboundLookup } from '../net/index.js';

/** What one probe found: a 2xx answer, or why not (words that never contain the key or the response body). */
export type ProviderProbe =
  | { readonly kind: 'ok'; readonly statusCode: number; readonly latencyMs: number }
  | { readonly kind: 'error'; readonly reason: string; readonly latencyMs: number };

export interface ProbeOptions {
  /** Path after the base URL, e.g. `/models`. */
  readonly path: string;
  /** The protocol's own headers (e.g. `anthropic-version`); the provider's configured headers and its key are added. */
  readonly headers: Readonly<Record<string, string>>;
  /** The whole probe: connect, headers and body. */
  readonly timeoutMs: number;
  /** Where providers created through the API may connect beyond public addresses (config `security.outbound_allow`). */
  readonly allowList: OutboundAllowList;
  /** DNS for the guarded connection (tests stand in for it); the system resolver otherwise. */
  readonly lookup?: OutboundLookup;
}

/** Read and discarded so the connection closes cleanly; a bigger answer is cut (the status is all a probe needs). */
const probeBodyBytesMax = 64 * 1024;

/**
 * One bounded `GET <base URL><path>` with the provider's key (`meridian providers check`), on an Agent of its own
 * that is destroyed afterwards. Providers created through the API connect through the SSRF guard, as their calls
 * do; the operator's connect as written. No redirect is followed. The latency is the time to the response headers.
 * The reason of a failure is a status (`HTTP 401`), `timeout`, a socket error code or a guard refusal: never the
 * response body, which may quote the key.
 */
export async function probeProvider(provider: Provider, options: ProbeOptions): Promise<ProviderProbe> {
  const agent = new Agent({
    connect:
      provider.isApiManaged === true
        ? createGuardedConnector({
            allowList: options.allowList,
            lookup: options.lookup ?? systemLookup,
            connectTimeoutMs: options.timeoutMs,
          })
        : { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const startedAtMs = performance.now();
  const elapsedMs = (): number => Math.round(performance.now() - startedAtMs);
  try {
    const response = await request(provider.baseUrl + options.path, {
      method: 'GET',
      headers: buildProbeHeaders(provider, options.headers),
      signal: AbortSignal.timeout(options.timeoutMs),
      dispatcher: agent,
    });
    const latencyMs = elapsedMs();
    await response.body.dump({ limit: probeBodyBytesMax }).catch(() => undefined);
    const { statusCode } = response;
    return statusCode >= 200 && statusCode < 300
      ? { kind: 'ok', statusCode, latencyMs }
      : { kind: 'error', reason: `HTTP ${statusCode}`, latencyMs };
  } catch (error) {
    return { kind: 'error', reason: describeProbeFailure(error), latencyMs: elapsedMs() };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** The protocol's headers, the provider's configured extras, then auth: the same order as a call's. */
function buildProbeHeaders(
  provider: Provider,
  protocolHeaders: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...protocolHeaders, ...provider.headers };
  if (provider.apiKey !== undefined && provider.apiKey !== '') {
    headers[provider.authHeader] =
      provider.authHeader === 'authorization' ? `Bearer ${provider.apiKey}` : provider.apiKey;
  }
  return headers;
}

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A short, key-free reason: a guard refusal, `timeout`, or the socket error code (`ECONNREFUSED`, …). */
function describeProbeFailure(error: unknown): string {
  const refusal = findCause(error, (item): item is OutboundRefusedError => item instanceof OutboundRefusedError);
  if (refusal !== undefined) return `refused by the outbound guard (${refusal.reason})`;
  const named = error as { name?: unknown; code?: unknown } | null;
  if (named?.name === 'TimeoutError' || named?.name === 'AbortError') return 'timeout';
  const code = findCause(error, (item): item is { code: string } => typeof readCode(item) === 'string')?.code;
  if (code === undefined) return 'connection failed';
  return timeoutCodes.has(code) ? 'timeout' : `connection failed (${code})`;
}

function readCode(item: unknown): unknown {
  return typeof item === 'object' && item !== null ? (item as { code?: unknown }).code : undefined;
}

/** The error or the first of its causes (at most a few levels) that matches. */
function findCause<T>(error: unknown, matches: (item: unknown) => item is T): T | undefined {
  let item = error;
  for (let depth = 0; depth < 4 && item !== undefined && item !== null; depth += 1) {
    if (matches(item)) return item;
    item = (item as { cause?: unknown }).cause;
  }
  return undefined;
}
