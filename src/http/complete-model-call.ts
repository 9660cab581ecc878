import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';
import type { ChatResult } from '../spec/index.js';
import type { UpstreamResponse } from '../upstream/index.js';
import { mapTransportError, readBodyText } from '../upstream/index.js';
import type { CallOutcome } from './call-outcome.js';
import type { RoutedCall } from './handle-model-call.js';
import { createResponseMeta } from './create-response-meta.js';
import { renderCallHeaders } from './render-call-headers.js';
import { createDeliveredOutput, settleGeneration, writeSettledRecord } from './settle-generation.js';
import type { DeliveredOutput } from './settle-generation.js';
import { labelResponse } from './request-labels.js';
import { captureResultContent } from './capture-content.js';
import { keepJsonAnswer } from './keep-in-cache.js';
import { keepFailedAttemptCost } from './failed-attempt-costs.js';

/**
 * The non-streaming path: read the whole upstream body (bounded), convert it,
 * meter it, wait until the generation record is committed, then answer.
 */
export async function completeModelCall(routed: RoutedCall, upstreamResponse: UpstreamResponse): Promise<CallOutcome> {
  const { app } = routed;
  // A connection the provider closes mid-body is its fault (502, retried elsewhere), not the gateway's (500).
  const bodyText = await readBodyText(upstreamResponse.body, limits.upstreamResponseBytesMax).catch(
    (error: unknown) => {
      throw mapTransportError(error, routed.endpoint.provider.id);
    },
  );
  const result = readResult(routed, parseUpstreamJson(bodyText, routed.endpoint.provider.id));
  const settled = settleGeneration(app, {
    call: routed.call,
    request: routed.request,
    model: routed.model,
    endpoint: routed.endpoint,
    generationId: routed.generationId,
    upstreamId: result.upstreamId,
    usage: result.usage,
    delivered: collectDelivered(result),
    finishReason: result.choices[0]?.finishReason,
    ending: 'success',
    errorCode: undefined,
    // The answer goes out whole: no first token reached the client before the rest (buildRecord's TTFT note).
    firstOutputAtMs: undefined,
    money: routed.money,
    attemptNumber: routed.attemptNumber,
    failedAttemptCosts: routed.failedAttemptCosts,
    spans: { call: routed.callSpan, attempt: routed.attemptSpan },
    // Prompt logging: only for an org that opted in (docs/security.md); nothing is serialised otherwise.
    ...((await app.storage.orgs.isPromptLoggingEnabled(routed.call.orgId))
      ? { content: captureResultContent(routed.request, result) }
      : {}),
  });
  const { billed, record } = settled;
  labelResponse(routed.response, record);
  const stored = await writeSettledRecord(app, settled);
  if (record.ending === 'success') keepJsonAnswer(routed, result, billed);
  const body = routed.inbound.renderResponse(
    result,
    { ...billed, costNanos: stored.costNanos },
    createResponseMeta(routed),
    routed.request,
  );
  routed.response.writeHead(200, {
    ...renderCallHeaders(routed),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  routed.response.end(body);
  return {
    ending: record.ending,
    firstOutputAtMs: undefined,
    finishedAtMs: record.finishedAtMs,
    promptTokens: billed.promptTokens,
    completionTokens: billed.completionTokens,
  };
}

/** The canonical result; an answer refused as unusable (no choice) keeps the usage its provider billed for it. */
function readResult(routed: RoutedCall, json: unknown): ChatResult {
  try {
    return routed.adapter.readResponse(json);
  } catch (error) {
    keepFailedAttemptCost(routed, routed.adapter.readResponseUsage(json));
    throw error;
  }
}

export function parseUpstreamJson(bodyText: string, providerId: string): unknown {
  try {
    return JSON.parse(bodyText) as unknown;
  } catch (error) {
    throw new GatewayError({
      code: 'upstream_invalid_response',
      message: `Provider ${providerId} returned a body that is not JSON.`,
      cause: error,
      isRetryable: true,
    });
  }
}

function collectDelivered(result: ChatResult): DeliveredOutput {
  const delivered = createDeliveredOutput();
  for (const choice of result.choices) {
    for (const part of choice.content) {
      if (part.type === 'text') delivered.text.push(part.text);
      else if (part.type === 'reasoning') delivered.reasoning.push(part.text);
      else if (part.type === 'tool-call') delivered.toolArguments.push(part.arguments);
    }
  }
  return delivered;
}
