import type { RoutedCall } from './handle-model-call.js';

/** Headers every model-call response carries: ids, the serving provider, and warnings. */
export function renderCallHeaders(
  routed: Pick<RoutedCall, 'call' | 'generationId' | 'endpoint' | 'attemptNumber' | 'warnings'>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': routed.call.requestId,
    'request-id': routed.call.requestId,
    'x-meridian-generation-id': routed.generationId,
    'x-meridian-provider': routed.endpoint.provider.id,
    'x-meridian-attempts': String(routed.attemptNumber),
  };
  if (routed.warnings.length > 0) headers['x-meridian-warnings'] = toHeaderJson(routed.warnings);
  return headers;
}

/**
 * JSON that is a valid header value: non-ASCII characters (a client's field name in Chinese, say) are written as
 * `\uXXXX` escapes, which JSON readers decode back; Node refuses them raw in a header.
 */
export function toHeaderJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
