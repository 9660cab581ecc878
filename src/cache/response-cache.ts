import { strict as assert } from 'node:assert';
import type { Endpoint, Model } from '../catalog/catalog-types.js';
import type { BilledUsage, ChatResult, FinishReason, StreamEvent } from '../spec/index.js';

/** A finished answer as the pipeline had it before rendering: a JSON call's result, or a stream's events. */
export type CachedAnswer =
  | { readonly kind: 'json'; readonly result: ChatResult }
  | { readonly kind: 'stream'; readonly events: readonly StreamEvent[] };

/** One cached call: its answer and what its generation record needs when it is served again. */
export interface CachedCall {
  readonly answer: CachedAnswer;
  readonly model: Model;
  readonly endpoint: Endpoint;
  /** The tokens as the serving call billed them; a hit reports the same usage and is charged 0. */
  readonly billed: BilledUsage;
  readonly finishReason: FinishReason | undefined;
}

export interface ResponseCacheOptions {
  readonly ttlMs: number;
  readonly entriesMax: number;
  /** Bytes of answers kept, measured as the length of each answer's JSON. */
  readonly bytesMax: number;
  /** The largest single answer kept; a larger one is not stored (it would push out many others). */
  readonly entryBytesMax: number;
}

/** What a call asked of the cache: its key, and the oldest answer it accepts (`x-meridian-cache-ttl`). */
export interface CacheRequest {
  readonly key: string;
  readonly ttlMs: number;
  /**
   * Admission lowered the call's output limit to what the balance afforded: an answer that then stopped at its length
   * limit may be one the call's own `max_tokens` would not have cut, so it is not kept.
   */
  readonly isOutputCapped?: boolean;
}

export interface ResponseCache {
  readonly ttlMs: number;
  /** The largest answer kept (measured as by {@link measureAnswer}). */
  readonly entryBytesMax: number;
  /** The answer stored under `key` less than `maxAgeMs` ago and not expired; a hit becomes the most recent. */
  get(key: string, maxAgeMs: number, nowMs: number): CachedCall | undefined;
  /**
   * Stores an answer stored at `storedAtMs` (now, or when another node stored it in the shared cache) for `ttlMs` from
   * then; false when it is larger than one entry may be (then nothing changes). `knownBytes`: its size when already known
   * (the length of the shared cache's value, which holds the answer's JSON), else measured by {@link measureAnswer}.
   */
  set(key: string, call: CachedCall, ttlMs: number, storedAtMs: number, knownBytes?: number): boolean;
  readonly stats: () => { readonly entries: number; readonly bytes: number };
}

interface Entry {
  readonly call: CachedCall;
  readonly bytes: number;
  readonly storedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * The node's response cache: an LRU in memory, bounded by entries and by bytes (a Map's insertion order is the
 * recency order: a hit is moved to the end, eviction takes from the front). Expired entries are dropped when met.
 * In cluster mode the shared cache in Redis (./shared/) stands behind it. Keys carry the org, so no org can read
 * another's answers (INV-8).
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  assert(options.entriesMax > 0 && options.bytesMax > 0 && options.ttlMs > 0, 'cache bounds must be positive');
  const entries = new Map<string, Entry>();
  let bytes = 0;

  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    bytes -= entry.bytes;
  }

  function evictOver(entriesMax: number, bytesMax: number): void {
    for (const [key, entry] of entries) {
      if (entries.size <= entriesMax && bytes <= bytesMax) return;
      remove(key, entry);
    }
  }

  return {
    ttlMs: options.ttlMs,
    entryBytesMax: options.entryBytesMax,
    get(key, maxAgeMs, nowMs) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (nowMs >= entry.expiresAtMs) {
        remove(key, entry);
        return undefined;
      }
      if (nowMs - entry.storedAtMs >= maxAgeMs) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.call;
    },
    set(key, call, ttlMs, storedAtMs, knownBytes) {
      const size = knownBytes ?? measureAnswer(call.answer);
      if (size > options.entryBytesMax) return false;
      const previous = entries.get(key);
      if (previous !== undefined) remove(key, previous);
      entries.set(key, { call, bytes: size, storedAtMs, expiresAtMs: storedAtMs + Math.min(ttlMs, options.ttlMs) });
      bytes += size;
      evictOver(options.entriesMax, options.bytesMax);
      return true;
    },
    stats: () => ({ entries: entries.size, bytes }),
  };
}

/** An answer's size for the byte bound: the length of its JSON (text, tool arguments, logprobs and all). */
export function measureAnswer(answer: CachedAnswer): number {
  return JSON.stringify(answer.kind === 'json' ? answer.result : answer.events).length;
}
