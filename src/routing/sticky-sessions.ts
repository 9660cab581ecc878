import type { EndpointKey } from '../health/index.js';

/** Anthropic's default prompt-cache lifetime: after 5 idle minutes the cache is cold, so stickiness buys nothing. */
export const stickySessionTtlMsDefault = 5 * 60_000;

/** Conversations remembered at once; past this the least recently used is forgotten (memory stays bounded). */
export const stickySessionEntriesMaxDefault = 10_000;

export interface StickySessionsOptions {
  readonly ttlMs?: number;
  readonly entriesMax?: number;
}

export interface StickySessions {
  /** The endpoint that served this conversation within the TTL, else undefined. Marks the entry recently used. */
  get(conversationKey: string, nowMs: number): EndpointKey | undefined;
  /** Records the endpoint that just served the conversation; restarts the TTL, as a cache hit refreshes the cache. */
  set(conversationKey: string, endpointKey: EndpointKey, nowMs: number): void;
  forget(conversationKey: string): void;
  readonly size: number;
}

/**
 * Conversation key → the endpoint holding its prompt cache, in memory, with a TTL
 * and LRU eviction (a `Map` keeps insertion order: the first key is the least
 * recently used). Time is passed in, never read from the clock.
 */
export function createStickySessions(options: StickySessionsOptions = {}): StickySessions {
  const ttlMs = options.ttlMs ?? stickySessionTtlMsDefault;
  const entriesMax = options.entriesMax ?? stickySessionEntriesMaxDefault;
  if (!(ttlMs > 0) || !Number.isInteger(entriesMax) || entriesMax < 1) {
    throw new RangeError('Sticky sessions need ttlMs > 0 and an integer entriesMax ≥ 1.');
  }
  const entries = new Map<string, { readonly endpointKey: EndpointKey; readonly expiresAtMs: number }>();
  return {
    get(conversationKey, nowMs) {
      const entry = entries.get(conversationKey);
      if (entry === undefined) return undefined;
      entries.delete(conversationKey);
      if (nowMs >= entry.expiresAtMs) return undefined;
      entries.set(conversationKey, entry);
      return entry.endpointKey;
    },
    set(conversationKey, endpointKey, nowMs) {
      entries.delete(conversationKey);
      entries.set(conversationKey, { endpointKey, expiresAtMs: nowMs + ttlMs });
      while (entries.size > entriesMax) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    forget(conversationKey) {
      entries.delete(conversationKey);
    },
    get size() {
      return entries.size;
    },
  };
}
