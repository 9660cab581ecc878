import type { Endpoint, Provider } from '../catalog/catalog-types.js';
import { limits } from '../config/index.js';
import type { OutboundAdapter, UpstreamRequest } from '../protocols/adapter-types.js';
import type { AttemptTiming, CallAbort, UpstreamResponse } from '../upstream/index.js';
import { mapUpstreamStatus, readBodyTextTruncated } from '../upstream/index.js';
import type { AppContext } from './app-context.js';

/**
 * Sends one upstream request and turns a non-2xx answer into a GatewayError
 * (before anything reached the client), reading the error body with the
 * protocol's own reader.
 */
export async function sendUpstreamRequest(
  app: AppContext,
  target: {
    readonly endpoint: Endpoint;
    readonly upstreamRequest: UpstreamRequest;
    readonly abort: CallAbort;
    readonly adapter: Pick<OutboundAdapter, 'readErrorBody'>;
    readonly timing: AttemptTiming;
  },
): Promise<UpstreamResponse> {
  const { endpoint } = target;
  const upstreamResponse = await app.upstream.send(
    endpoint.provider,
    target.upstreamRequest,
    target.abort,
    target.timing,
  );
  if (upstreamResponse.statusCode >= 200 && upstreamResponse.statusCode < 300) return upstreamResponse;
  // Some providers echo the credential they were sent ("Incorrect API key provided: …"): never pass it on.
  const bodyText = redactProviderSecrets(
    await readBodyTextTruncated(upstreamResponse.body, limits.upstreamErrorBodyBytesMax),
    endpoint.provider,
  );
  const understood = target.adapter.readErrorBody(upstreamResponse.statusCode, bodyText);
  throw mapUpstreamStatus({
    providerId: endpoint.provider.id,
    url: upstreamResponse.url,
    statusCode: upstreamResponse.statusCode,
    headers: upstreamResponse.headers,
    bodyText,
    message: redactProviderSecrets(understood.message, endpoint.provider),
    providerCode: understood.code,
    nowMs: app.now(),
  });
}

/** The text with every occurrence of `secret` replaced (secrets shorter than 8 characters are not real keys). */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 8 ? text : text.replaceAll(secret, '[redacted]');
}

/** Names of configured provider headers whose values are credentials (`helicone-auth`, `x-portkey-api-key`, …). */
const credentialHeaderPattern = /auth|key|token|secret|password|cookie/i;

/**
 * The text with the provider's secrets replaced: its key, and the values of its configured headers that carry
 * credentials. A provider (or a proxy in front of it) may echo any header it was sent.
 */
export function redactProviderSecrets(text: string, provider: Pick<Provider, 'apiKey' | 'headers'>): string {
  let redacted = redactSecret(text, provider.apiKey);
  for (const [name, value] of Object.entries(provider.headers)) {
    if (!credentialHeaderPattern.test(name)) continue;
    redacted = redactSecret(redacted, value);
    // `Bearer <token>`: the token alone may be echoed too.
    const credentials = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(value)?.[1];
    redacted = redactSecret(redacted, credentials);
  }
  return redacted;
}
