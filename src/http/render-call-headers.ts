import type { RoutedCall } from './handle-model-call.js';

/** Headers every model-call response carries: ids, the serving provider, and warnings. */
export function renderCallHeaders(routed: RoutedCall): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': routed.call.requestId,
    'request-id': routed.call.requestId,
    'x-meridian-generation-id': routed.generationId,
    'x-meridian-provider': routed.endpoint.provider.id,
    'x-meridian-attempts': String(routed.attemptNumber),
  };
  if (routed.warnings.length > 0) headers['x-meridian-warnings'] = JSON.stringify(routed.warnings);
  return headers;
}
