import type { ServerResponse } from 'node:http';
import type { Endpoint } from '../catalog/catalog-types.js';
import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import type { EmbeddingsAdapter, OutboundAdapter } from '../protocols/adapter-types.js';
import { parseEmbeddingsRequest, renderEmbeddingsResponse } from '../protocols/openai-chat/index.js';
import { resolveEndpoints } from '../routing/index.js';
import { CallAbort, readBodyText } from '../upstream/index.js';
import type { AppContext, CallContext } from './app-context.js';
import { parseUpstreamJson } from './complete-model-call.js';
import { createGenerationId } from './create-ids.js';
import { sendUpstreamRequest } from './send-upstream-request.js';
import { settleEmbeddings } from './settle-embeddings.js';

/**
 * POST /v1/embeddings: parse (OpenAI shape) → route to an embeddings model →
 * call its upstream (OpenAI-compatible or Gemini) → meter prompt tokens → record →
 * answer in OpenAI's shape, re-encoded as base64 when the client asked.
 */
export async function handleEmbeddingsCall(
  app: AppContext,
  call: CallContext,
  exchange: { readonly body: unknown; readonly response: ServerResponse },
): Promise<void> {
  const { request, encoding } = parseEmbeddingsRequest(exchange.body);
  const resolved = resolveEndpoints(app.catalog, request.model, call.startedAtMs);
  if (!resolved.model.outputModalities.includes('embeddings')) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `'${resolved.model.id}' is not an embeddings model (GET /v1/models lists output_modalities).`,
      param: 'model',
    });
  }
  const { endpoint, embeddings, chat } = chooseEndpoint(app, resolved.endpoints);
  const abort = new CallAbort();
  exchange.response.on('close', () => {
    if (!exchange.response.writableFinished) abort.abort();
  });
  const upstreamRequest = embeddings.buildEmbeddingsRequest(request, endpoint);
  const upstreamResponse = await sendUpstreamRequest(app, {
    endpoint,
    upstreamRequest,
    abort,
    adapter: chat,
    timing: { headersTimeoutMs: app.routingDeadlineMs },
  });
  const bodyText = await readBodyText(upstreamResponse.body, limits.upstreamResponseBytesMax);
  const result = embeddings.readEmbeddingsResponse(parseUpstreamJson(bodyText, endpoint.provider.id));
  if (result.embeddings.length !== request.input.length) {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: `Provider ${endpoint.provider.id} returned ${result.embeddings.length} embeddings for ${request.input.length} inputs.`,
    });
  }
  const generationId = createGenerationId(call.startedAtMs);
  const { billed, record } = settleEmbeddings(app, {
    call,
    request,
    result,
    model: resolved.model,
    endpoint,
    generationId,
  });
  await app.generationWriter.write(record);
  const body = renderEmbeddingsResponse(result, billed, {
    generationId,
    model: resolved.model.id,
    providerName: endpoint.provider.id,
    encoding,
  });
  exchange.response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': call.requestId,
    'x-meridian-generation-id': generationId,
    'x-meridian-provider': endpoint.provider.id,
  });
  exchange.response.end(body);
}

function chooseEndpoint(
  app: AppContext,
  endpoints: readonly Endpoint[],
): { endpoint: Endpoint; embeddings: EmbeddingsAdapter; chat: OutboundAdapter } {
  for (const endpoint of endpoints) {
    const embeddings = app.embeddings[endpoint.provider.protocol];
    const chat = app.outbound[endpoint.provider.protocol];
    if (embeddings !== undefined && chat !== undefined) return { endpoint, embeddings, chat };
  }
  throw new GatewayError({
    code: 'no_available_provider',
    message: 'No configured endpoint of this model speaks an embeddings protocol this gateway can call.',
  });
}
