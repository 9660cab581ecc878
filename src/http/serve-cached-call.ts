import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CachedCall } from '../cache/index.js';
import type { InboundCodec } from '../protocols/adapter-types.js';
import type { BilledUsage, ChatRequest, Warning } from '../spec/index.js';
import type { AppContext, CallContext } from './app-context.js';
import { createResponseMeta } from './create-response-meta.js';
import { renderCallHeaders } from './render-call-headers.js';
import { labelResponse } from './request-labels.js';
import { buildRecord, writeSettledRecord } from './settle-generation.js';
import { startSettlementSpan } from '../observability/index.js';
import type { TraceSpan } from '../observability/index.js';

/**
 * Answers a call from the response cache (PRODUCT.md §4: "served from the gateway's cache", charged 0). The answer
 * is rendered afresh for this call: its own generation id, the usage the cached call reported, and `usage.cost` 0.
 * No hold is placed and no upstream is called; the generation is recorded with the ending `cache`, no ledger
 * posting, and, like every answer, its record is committed before the last byte is sent.
 */
export async function serveCachedCall(
  app: AppContext,
  call: CallContext,
  input: {
    readonly inbound: InboundCodec;
    readonly request: ChatRequest;
    readonly warnings: readonly Warning[];
    readonly generationId: string;
    readonly response: ServerResponse<IncomingMessage>;
    readonly cached: CachedCall;
    /** The call's span: it gets the ending and usage, and a settlement child for the record's commit. */
    readonly span: TraceSpan;
  },
): Promise<void> {
  const { cached, response } = input;
  const billed: BilledUsage = { ...cached.billed, costNanos: 0n, upstreamCostNanos: 0n };
  const served = {
    ...input,
    call,
    model: cached.model,
    endpoint: cached.endpoint,
    attemptNumber: 0,
    warnings: [...input.warnings],
  };
  const meta = createResponseMeta(served);
  const nowMs = app.now();
  const record = buildRecord(
    {
      ...served,
      upstreamId: undefined,
      finishReason: cached.finishReason,
      ending: 'cache',
      errorCode: undefined,
      firstOutputAtMs: nowMs,
      isStreaming: input.request.stream,
    },
    billed,
    'cache',
    nowMs,
  );
  labelResponse(response, record);
  const settled = { record, span: startSettlementSpan({ call: input.span, attempt: undefined }, record) };
  const headers = renderCallHeaders(served);
  if (cached.answer.kind === 'json') {
    const body = input.inbound.renderResponse(cached.answer.result, billed, meta, input.request);
    await writeSettledRecord(app, settled);
    response.writeHead(200, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    return;
  }
  const renderer = input.inbound.createStreamRenderer(input.request, meta);
  let frames = '';
  for (const event of cached.answer.events) frames += renderer.renderEvent(event);
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  response.write(frames);
  try {
    await writeSettledRecord(app, settled);
  } catch (error) {
    // As on the live path: a stream whose record could not be committed gets no end (no usage chunk, no [DONE]).
    app.log.error('generation_write_failed', { generationId: input.generationId, error: String(error) });
    response.destroy();
    return;
  }
  response.end(renderer.renderEnd(billed));
}
