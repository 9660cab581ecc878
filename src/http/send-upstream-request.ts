import type { Endpoint } from '../catalog/catalog-types.js';
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
  const bodyText = redactSecret(
    await readBodyTextTruncated(upstreamResponse.body, limits.upstreamErrorBodyBytesMax),
    endpoint.provider.apiKey,
  );
  const understood = target.adapter.readErrorBody(upstreamResponse.statusCode, bodyText);
  throw mapUpstreamStatus({
    providerId: endpoint.provider.id,
    url: upstreamResponse.url,
    statusCode: upstreamResponse.statusCode,
    headers: upstreamResponse.headers,
    bodyText,
    message: redactSecret(understood.message, endpoint.provider.apiKey),
    providerCode: understood.code,
    nowMs: app.now(),
  });
}

/** The text with every occurrence of `secret` replaced (secrets shorter than 8 characters are not real keys). */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length < 8 ? text : text.replaceAll(secret, '[redacted]');
}
