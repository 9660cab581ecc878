import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, Model } from '../catalog/catalog-types.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { InboundCodec, OutboundAdapter } from '../protocols/adapter-types.js';
import { resolveEndpoints } from '../routing/index.js';
import type { ChatRequest, Warning } from '../spec/index.js';
import type { UpstreamResponse } from '../upstream/index.js';
import { CallAbort } from '../upstream/index.js';
import type { AppContext, CallContext } from './app-context.js';
import { completeModelCall } from './complete-model-call.js';
import { createGenerationId } from './create-ids.js';
import { createDeliveredOutput, settleGeneration } from './settle-generation.js';
import { sendUpstreamRequest } from './send-upstream-request.js';
import { streamModelCall } from './stream-model-call.js';

/** One routed call: what the JSON and stream paths both need. */
export interface RoutedCall {
  readonly app: AppContext;
  readonly call: CallContext;
  readonly inbound: InboundCodec;
  readonly adapter: OutboundAdapter;
  readonly request: ChatRequest;
  /** The client's request warnings, then the upstream adapter's (both reach `x-meridian-warnings`). */
  readonly warnings: Warning[];
  readonly model: Model;
  readonly endpoint: Endpoint;
  readonly generationId: string;
  readonly abort: CallAbort;
  readonly response: ServerResponse;
}

/**
 * The one model-call pipeline: parse → route → call upstream → meter → record →
 * render. Errors before output are thrown to the caller (the HTTP boundary renders
 * them in the client's dialect); the stream path handles errors after output in-band.
 */
export async function handleModelCall(
  app: AppContext,
  call: CallContext,
  exchange: {
    readonly inbound: InboundCodec;
    readonly body: unknown;
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
  },
): Promise<void> {
  const parsed = exchange.inbound.parseRequest(exchange.body);
  const resolved = resolveEndpoints(app.catalog, parsed.request.model, call.startedAtMs);
  if (!resolved.model.outputModalities.includes('text')) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `'${resolved.model.id}' is an embeddings model; call POST /v1/embeddings.`,
      param: 'model',
    });
  }
  const endpoint = resolved.endpoints[0];
  if (endpoint === undefined) {
    throw new GatewayError({ code: 'no_available_provider', message: `No endpoint can serve '${resolved.model.id}'.` });
  }
  const adapter = app.outbound[endpoint.provider.protocol];
  if (adapter === undefined) {
    throw new GatewayError({
      code: 'no_available_provider',
      message: `Provider ${endpoint.provider.id} speaks ${endpoint.provider.protocol}, which this gateway cannot call yet.`,
    });
  }
  const routed: RoutedCall = {
    app,
    call,
    inbound: exchange.inbound,
    adapter,
    request: parsed.request,
    warnings: [...parsed.warnings],
    model: resolved.model,
    endpoint,
    generationId: createGenerationId(call.startedAtMs),
    abort: new CallAbort(),
    response: exchange.response,
  };
  exchange.response.on('close', () => {
    if (!exchange.response.writableFinished) routed.abort.abort();
  });
  app.callsInFlight.count += 1;
  try {
    const upstreamResponse = await sendUpstream(routed);
    await (routed.request.stream
      ? streamModelCall(routed, upstreamResponse)
      : completeModelCall(routed, upstreamResponse));
  } catch (error) {
    await recordFailure(routed, error);
    throw error;
  } finally {
    app.callsInFlight.count -= 1;
  }
}

/** Builds the upstream request (collecting the adapter's warnings) and sends it. */
async function sendUpstream(routed: RoutedCall): Promise<UpstreamResponse> {
  const { endpoint, adapter } = routed;
  const upstreamRequest = adapter.buildRequest(routed.request, endpoint);
  if (upstreamRequest.warnings !== undefined) routed.warnings.push(...upstreamRequest.warnings);
  return sendUpstreamRequest(routed.app, { endpoint, upstreamRequest, abort: routed.abort, adapter });
}

/** Records a call that failed before any output: no charge, the error code kept. */
async function recordFailure(routed: RoutedCall, error: unknown): Promise<void> {
  if (routed.response.headersSent) return;
  // The failed call is recorded; its id lets the client look it up.
  routed.response.setHeader('x-meridian-generation-id', routed.generationId);
  const gatewayError = toGatewayError(error);
  const { record } = settleGeneration(routed.app, {
    call: routed.call,
    request: routed.request,
    model: routed.model,
    endpoint: routed.endpoint,
    generationId: routed.generationId,
    upstreamId: undefined,
    usage: undefined,
    delivered: createDeliveredOutput(),
    finishReason: undefined,
    ending: routed.abort.aborted ? 'client_abort' : 'error',
    errorCode: gatewayError.code,
    firstOutputAtMs: undefined,
  });
  try {
    await routed.app.generationWriter.write(record);
  } catch (writeError) {
    routed.app.log.error('generation_write_failed', { generationId: routed.generationId, error: String(writeError) });
  }
}
