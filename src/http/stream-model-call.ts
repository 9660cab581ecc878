import { limits } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import type { StreamReader, StreamRenderer } from '../protocols/adapter-types.js';
import type { StreamEvent, Usage } from '../spec/index.js';
import type { Ending, MaybePromise } from '../storage/index.js';
import { createSseParser } from '../streaming/index.js';
import type { UpstreamResponse } from '../upstream/index.js';
import { mapTransportError, readBodyTextTruncated } from '../upstream/index.js';
import type { CallOutcome } from './call-outcome.js';
import type { RoutedCall } from './handle-model-call.js';
import { createResponseMeta } from './create-response-meta.js';
import { renderCallHeaders } from './render-call-headers.js';
import { settleGeneration, writeSettledRecord } from './settle-generation.js';
import { createStreamState, trackStreamEvent } from './stream-state.js';
import type { StreamState } from './stream-state.js';
import { labelResponse } from './request-labels.js';
import { flushResponse } from './flush-response.js';
import { createStreamContentCapture } from './capture-content.js';
import { createStreamAnswerCollector } from './keep-in-cache.js';
import { redactProviderSecrets } from './send-upstream-request.js';
import { keepFailedAttemptCost } from './failed-attempt-costs.js';

/**
 * What a stream needs that does not depend on the upstream's answer: made while the upstream request is on its way
 * (the event loop would otherwise idle until its headers), so that the first frame waits for less after them.
 */
export interface StreamKit {
  readonly state: StreamState;
  readonly renderer: StreamRenderer;
  readonly reader: StreamReader;
  /** Prompt logging: text is accumulated a second time only for an org that opted in (docs/security.md). */
  readonly isContentLogged: MaybePromise<boolean>;
}

export function prepareStream(routed: RoutedCall): StreamKit {
  return {
    state: createStreamState(),
    renderer: routed.inbound.createStreamRenderer(routed.request, createResponseMeta(routed)),
    reader: routed.adapter.createStreamReader(),
    isContentLogged: readContentLogging(routed),
  };
}

/** The org's prompt-logging switch; a failed lookup (cluster mode) is seen when the stream awaits it, never unhandled. */
function readContentLogging(routed: RoutedCall): MaybePromise<boolean> {
  const setting = routed.app.storage.orgs.isPromptLoggingEnabled(routed.call.orgId);
  if (typeof setting !== 'boolean') setting.catch(() => undefined);
  return setting;
}

/**
 * The streaming path. Events are held until the first output event so that an
 * upstream "200 then error frame" still fails before anything reaches the client
 * (and can be retried); that first output is written and sent at once, with the headers;
 * after it, the frames of one upstream socket read go out as one write (no added
 * buffering: a microtask later), with backpressure from the client socket.
 */
export async function streamModelCall(
  routed: RoutedCall,
  upstreamResponse: UpstreamResponse,
  kit: StreamKit,
): Promise<CallOutcome> {
  const contentType = String(upstreamResponse.headers['content-type'] ?? '');
  if (!contentType.includes('text/event-stream')) await rejectNonStream(routed, upstreamResponse, contentType);
  let stop: (error: GatewayError) => void = () => undefined;
  const isContentLogged = typeof kit.isContentLogged === 'boolean' ? kit.isContentLogged : await kit.isContentLogged;
  const done = runStream(routed, upstreamResponse, { ...kit, isContentLogged }, (stopStream) => {
    stop = stopStream;
  });
  routed.app.openCalls.set(done, (error) => stop(error));
  try {
    return await done;
  } finally {
    routed.app.openCalls.delete(done);
  }
}

function runStream(
  routed: RoutedCall,
  upstreamResponse: UpstreamResponse,
  kit: StreamKit & { readonly isContentLogged: boolean },
  exposeStop: (stop: (error: GatewayError) => void) => void,
): Promise<CallOutcome> {
  return new Promise<CallOutcome>((resolve, reject) => {
    const { response } = routed;
    const body = upstreamResponse.body;
    const { state, renderer, reader } = kit;
    const capture = kit.isContentLogged ? createStreamContentCapture() : undefined;
    const collector = createStreamAnswerCollector(routed);
    let batch: StreamEvent[] = [];
    let pending: StreamEvent[] = [];
    let isCommitted = false;
    let isSettled = false;
    let firstOutputAtMs: number | undefined;
    let lastWriteAtMs = 0;
    let heartbeat: NodeJS.Timeout | undefined;
    let unwritten = '';
    let isWriteQueued = false;
    const parser = createSseParser({
      eventBytesMax: limits.sseEventBytesMax,
      onEvent: (sseEvent) => {
        for (const event of reader.readEvent(sseEvent.event, sseEvent.data)) batch.push(event);
      },
    });

    function handleEvents(events: StreamEvent[]): void {
      for (const event of events) trackStreamEvent(state, event);
      if (capture !== undefined) for (const event of events) capture.track(event);
      collector?.track(events);
      let isFirstOutput = false;
      if (!isCommitted) {
        if (state.error !== undefined) return fail(upstreamStreamError(routed, state));
        pending = pending.length === 0 ? events : pending.concat(events);
        if (!state.hasOutput) return;
        commit();
        events = pending;
        pending = [];
        isFirstOutput = true;
      }
      let frames = '';
      for (const event of events) frames += renderer.renderEvent(event);
      if (frames.length > 0) {
        lastWriteAtMs = routed.app.now();
        unwritten += frames;
        // The first output goes out at once, with the headers (time to first token), before the rest of this
        // socket read is handled; later frames of the same read follow together.
        if (isFirstOutput) {
          writeFrames();
          flushResponse(response);
        } else if (!isWriteQueued) {
          isWriteQueued = true;
          queueMicrotask(writeFrames);
        }
      }
      if (state.error !== undefined) return fail(upstreamStreamError(routed, state));
    }

    /**
     * undici hands over one HTTP chunk at a time and providers send each SSE event as its own chunk, so one socket
     * read brings dozens. Their frames go out together once the read's callback is done (a microtask: no time
     * added), as one write with one chunk header instead of one per event. Backpressure pauses the upstream body.
     */
    function writeFrames(): void {
      isWriteQueued = false;
      if (unwritten.length === 0) return;
      const frames = unwritten;
      unwritten = '';
      if (!response.write(frames)) {
        body.pause();
        response.once('drain', () => body.resume());
      }
    }

    /** Keeps idle proxies and clients from closing a stream while the model is silent (long thinking, slow tools). */
    function startHeartbeat(): void {
      const interval = limits.streamHeartbeatIntervalMs;
      heartbeat = setInterval(() => {
        if (routed.app.now() - lastWriteAtMs < interval || response.writableNeedDrain) return;
        lastWriteAtMs = routed.app.now();
        response.write(renderer.renderHeartbeat());
      }, interval);
      heartbeat.unref();
    }

    function commit(): void {
      isCommitted = true;
      routed.onCommit();
      firstOutputAtMs = routed.app.now();
      startHeartbeat();
      response.writeHead(200, {
        ...renderCallHeaders(routed),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
    }

    function fail(error: GatewayError): void {
      if (isSettled) return;
      body.destroy();
      if (!isCommitted) {
        isSettled = true;
        keepFailedUsage();
        reject(error);
        return;
      }
      keepHeldUsage();
      // The provider had finished its answer (its finish reason came): only its closing frames are missing, as when a
      // stream ends without `[DONE]`. The answer is whole, and is settled and ended as one.
      if (state.finishReason !== undefined) return settle('success', undefined, renderer);
      settle('upstream_error_after_output', error, renderer);
    }

    /**
     * A stream that stops early (cut, or left by its client) keeps the usage its provider already sent: readers hold
     * it until the answer's end, and Anthropic's prompt counts arrive in `message_start`. Only usage is taken: text
     * the reader still held never reached the client and is not billed. (Settlement keeps its prompt side only.)
     */
    function keepHeldUsage(): void {
      for (const event of reader.end()) if (event.type === 'usage') trackStreamEvent(state, event);
    }

    /** An attempt that fails before its first output still costs the operator what its provider reported. */
    function keepFailedUsage(): void {
      keepHeldUsage();
      keepFailedAttemptCost(routed, state.usage);
    }

    function settle(ending: Ending, error: GatewayError | undefined, streamRenderer: StreamRenderer): void {
      isSettled = true;
      writeFrames();
      clearInterval(heartbeat);
      const settled = settleGeneration(routed.app, {
        call: routed.call,
        request: routed.request,
        model: routed.model,
        endpoint: routed.endpoint,
        generationId: routed.generationId,
        upstreamId: state.upstreamId,
        usage: selectBilledUsage(ending, state),
        delivered: state.delivered,
        finishReason: error === undefined ? state.finishReason : { unified: 'error', raw: error.code },
        ending,
        errorCode: error?.code,
        firstOutputAtMs,
        money: routed.money,
        attemptNumber: routed.attemptNumber,
        failedAttemptCosts: routed.failedAttemptCosts,
        spans: { call: routed.callSpan, attempt: routed.attemptSpan },
        ...(capture === undefined ? {} : { content: capture.finish(routed.request) }),
      });
      const { billed, record } = settled;
      const outcome: CallOutcome = {
        ending: record.ending,
        firstOutputAtMs,
        finishedAtMs: record.finishedAtMs,
        promptTokens: billed.promptTokens,
        completionTokens: billed.completionTokens,
      };
      labelResponse(routed.response, record);
      writeSettledRecord(routed.app, settled).then(
        (stored) => {
          const charged = { ...billed, costNanos: stored.costNanos };
          if (ending === 'success' && record.ending === 'success') collector?.keep(billed, state.finishReason);
          if (ending !== 'client_abort') {
            response.end(
              error === undefined ? streamRenderer.renderEnd(charged) : streamRenderer.renderError(error, charged),
            );
          }
          resolve(outcome);
        },
        (writeError: unknown) => {
          routed.app.log.error('generation_write_failed', {
            generationId: routed.generationId,
            error: String(writeError),
          });
          response.destroy();
          resolve(outcome);
        },
      );
    }

    // Shutdown past its drain bound ends the stream like an upstream failure: an in-band error, billed so far.
    exposeStop((error) => fail(error));

    /** A bug in handling an event ends this call with an error; it must never escape into the event loop. */
    function guard(work: () => void): void {
      try {
        work();
      } catch (error) {
        fail(toGatewayError(error));
      }
    }

    body.on('data', (chunk: Buffer) => {
      if (isSettled) return;
      try {
        parser.push(chunk);
      } catch (error) {
        batch = [];
        return fail(toGatewayError(error));
      }
      const events = batch;
      batch = [];
      if (events.length > 0) guard(() => handleEvents(events));
    });
    body.on('end', () => {
      if (isSettled) return;
      // The body ended as its HTTP framing said (a cut one errors instead): a last event missing only its blank line
      // is whole (a Gemini-style last chunk holds the finish reason and the usage).
      try {
        parser.end({ isBodyComplete: true });
      } catch (error) {
        batch = [];
        return fail(toGatewayError(error));
      }
      guard(() => handleEvents(batch.concat(reader.end())));
      batch = [];
      if (isSettled) return;
      if (!isCommitted) return fail(emptyStreamError(routed));
      if (!reader.isComplete && state.finishReason === undefined) return fail(cutStreamError(routed));
      settle('success', undefined, renderer);
    });
    body.on('error', (error: unknown) => {
      if (isSettled) return;
      if (routed.abort.aborted) {
        if (!isCommitted) {
          isSettled = true;
          keepFailedUsage();
          return reject(new GatewayError({ code: 'request_timeout', message: 'The client closed the connection.' }));
        }
        keepHeldUsage();
        return settle('client_abort', undefined, renderer);
      }
      fail(mapTransportError(error, routed.endpoint.provider.id));
    });
  });
}

/**
 * The usage a stream is settled with. A success's is the provider's. A stream that stopped early (an error after
 * output, a client that left) keeps the provider's counts only once they are final: after the answer's finish reason
 * came (Anthropic's `message_delta`, OpenAI's usage chunk after the finish, Gemini's last chunk), with an output count
 * above 0. Then a client that leaves before `[DONE]` pays what the provider reports, hidden reasoning included.
 * Before that, only the prompt side (see {@link keepPromptCounts}).
 */
function selectBilledUsage(ending: Ending, state: StreamState): Usage | undefined {
  if (ending === 'success') return state.usage;
  const isFinal = state.finishReason !== undefined && (state.usage?.outputTokens.total ?? 0) > 0;
  return isFinal ? state.usage : keepPromptCounts(state.usage);
}

/**
 * The usage of a stream that stopped early before its final counts, for PRODUCT.md §4's "prompt + delivered
 * completion": the provider's prompt counts, and no output count. One sent before the end is provisional
 * (Anthropic's `message_start` says 1; a server repeating usage in every chunk may say 0 until its last, which would
 * charge no completion at all), so metering counts what was delivered and flags the record estimated.
 */
function keepPromptCounts(usage: Usage | undefined): Usage | undefined {
  if (usage === undefined) return undefined;
  return { ...usage, outputTokens: { total: undefined, text: undefined, reasoning: undefined } };
}

function upstreamStreamError(routed: RoutedCall, state: StreamState): GatewayError {
  return new GatewayError({
    code: 'upstream_error',
    // Some providers echo the credential they were sent in an error event, as in an error body: never pass it on.
    message: `Provider ${routed.endpoint.provider.id} reported an error in the stream: ${redactProviderSecrets(state.error?.message ?? 'unknown error', routed.endpoint.provider)}`,
    isRetryable: true,
  });
}

function emptyStreamError(routed: RoutedCall): GatewayError {
  return new GatewayError({
    code: 'upstream_invalid_response',
    message: `Provider ${routed.endpoint.provider.id} ended the stream without any output.`,
    isRetryable: true,
  });
}

function cutStreamError(routed: RoutedCall): GatewayError {
  return new GatewayError({
    code: 'upstream_error',
    message: `Provider ${routed.endpoint.provider.id} ended the stream before it finished.`,
    isRetryable: true,
  });
}

/** An upstream that answers a stream request with something other than SSE is treated as failing. */
async function rejectNonStream(
  routed: RoutedCall,
  upstreamResponse: UpstreamResponse,
  contentType: string,
): Promise<never> {
  const bodyText = await readBodyTextTruncated(upstreamResponse.body, limits.upstreamErrorBodyBytesMax);
  const understood = routed.adapter.readErrorBody(upstreamResponse.statusCode, bodyText);
  throw new GatewayError({
    code: 'upstream_invalid_response',
    message: `Provider ${routed.endpoint.provider.id} answered a stream request with '${contentType || 'no content type'}': ${redactProviderSecrets(understood.message, routed.endpoint.provider)}`,
    isRetryable: true,
  });
}
