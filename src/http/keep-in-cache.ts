import type { BilledUsage, ChatResult, FinishReason, StreamEvent } from '../spec/index.js';
import type { CacheRequest, CachedCall } from '../cache/index.js';
import type { RoutedCall } from './handle-model-call.js';

type CachingCall = Pick<RoutedCall, 'app' | 'cache' | 'model' | 'endpoint'>;

/** An answer that hit an output limit admission lowered may be shorter than the call's own limit allows. */
function isCutByAdmission(cache: CacheRequest, finishReason: FinishReason | undefined): boolean {
  return cache.isOutputCapped === true && finishReason?.unified === 'length';
}

/** Keeps a JSON call's answer for later calls, when it asked for the response cache and ended in success. */
export function keepJsonAnswer(routed: CachingCall, result: ChatResult, billed: BilledUsage): void {
  const { app, cache } = routed;
  const finishReason = result.choices[0]?.finishReason;
  if (cache === undefined || app.responseCache === undefined || isCutByAdmission(cache, finishReason)) return;
  const call = { model: routed.model, endpoint: routed.endpoint, billed, finishReason };
  keep(app, cache, { ...call, answer: { kind: 'json', result } });
}

/** Into this node's memory, and (cluster mode) into Redis for the other nodes, without waiting for Redis. */
function keep(app: CachingCall['app'], cache: CacheRequest, call: CachedCall): void {
  app.responseCache?.set(cache.key, call, cache.ttlMs, app.now());
  void app.sharedResponseCache?.set(cache.key, call, cache.ttlMs);
}

/** A stream's events kept for the response cache while it runs; `undefined` for a call that did not ask for it. */
export interface StreamAnswerCollector {
  track(events: readonly StreamEvent[]): void;
  keep(billed: BilledUsage, finishReason: FinishReason | undefined): void;
}

/**
 * Collects the events a stream rendered (not its usage, errors or upstream id: a hit renders its own), up to what
 * one cache entry may hold: a longer stream stops collecting and is not kept, so an hour-long stream costs no memory.
 */
export function createStreamAnswerCollector(routed: CachingCall): StreamAnswerCollector | undefined {
  const { app, cache } = routed;
  const responseCache = app.responseCache;
  if (cache === undefined || responseCache === undefined) return undefined;
  let events: StreamEvent[] | undefined = [];
  let characters = 0;
  return {
    track(batch) {
      if (events === undefined) return;
      for (const event of batch) {
        if (event.type === 'usage' || event.type === 'error' || event.type === 'response-start') continue;
        characters +=
          'delta' in event ? event.delta.length : 'argumentsDelta' in event ? event.argumentsDelta.length : 0;
        events.push(event);
      }
      if (characters > responseCache.entryBytesMax) events = undefined;
    },
    keep(billed, finishReason) {
      if (events === undefined || isCutByAdmission(cache, finishReason)) return;
      const call = { model: routed.model, endpoint: routed.endpoint, billed, finishReason };
      keep(app, cache, { ...call, answer: { kind: 'stream', events } });
    },
  };
}
