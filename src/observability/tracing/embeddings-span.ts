import type { TraceSpan } from './start-span.js';
import { isTracingEnabled, noopTraceSpan, startSpan } from './start-span.js';
import { describeServer, toSpanInteger } from './gen-ai-spans.js';

/** GenAI semantic conventions' operation name for an embeddings call. */
export const embeddingsOperation = 'embeddings';

/** One embeddings call, one span (SERVER): one attempt, no stream, so no children. */
export function startEmbeddingsSpan(input: { readonly model: string; readonly requestId: string }): TraceSpan {
  if (!isTracingEnabled()) return noopTraceSpan;
  return startSpan(
    `${embeddingsOperation} ${input.model}`,
    {
      'gen_ai.operation.name': embeddingsOperation,
      'gen_ai.request.model': input.model,
      'meridian.request_id': input.requestId,
    },
    { kind: 'server' },
  );
}

/** What the chosen endpoint and the settlement add: provider, where, tokens, the charge. Never the inputs. */
export function describeEmbeddingsCall(
  span: TraceSpan,
  call: {
    readonly providerId: string;
    readonly baseUrl: string;
    readonly upstreamModel: string;
    readonly inputTokens?: number | undefined;
    readonly chargeNanos?: bigint | undefined;
  },
): void {
  if (!span.isRecording) return;
  span.setAttributes({
    'gen_ai.provider.name': call.providerId,
    'gen_ai.response.model': call.upstreamModel,
    ...describeServer(call.baseUrl),
    'gen_ai.usage.input_tokens': call.inputTokens,
    'meridian.charge_nanos': call.chargeNanos === undefined ? undefined : toSpanInteger(call.chargeNanos),
  });
}
