import { approximatePromptTokens } from '../metering/index.js';
import type { ResponseMeta } from '../protocols/adapter-types.js';
import type { RoutedCall } from './handle-model-call.js';

/** What every renderer adds to a response: ids, model, provider, and a lazy prompt-size estimate. */
export function createResponseMeta(
  routed: Pick<RoutedCall, 'generationId' | 'model' | 'call' | 'endpoint' | 'request'>,
): ResponseMeta {
  let estimate: number | undefined;
  return {
    generationId: routed.generationId,
    requestId: routed.call.requestId,
    model: routed.model.id,
    orgId: routed.call.orgId,
    createdSeconds: Math.floor(routed.call.startedAtMs / 1000),
    providerName: routed.endpoint.provider.id,
    upstreamProtocol: routed.endpoint.provider.protocol,
    isReasoningShown: routed.request.reasoning?.exclude !== true,
    estimatePromptTokens: () => (estimate ??= approximatePromptTokens(routed.request)),
  };
}
