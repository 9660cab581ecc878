import { describe, expect, it } from 'vitest';
import { createTestModel } from '../routing/test-support.js';
import { createUnknownUsage } from '../spec/index.js';
import type { BilledUsage, StreamEvent } from '../spec/index.js';
import { computeCacheKey, readCacheRequest } from './read-cache-request.js';
import { createResponseCache, measureAnswer } from './response-cache.js';
import type { CachedCall, ResponseCache, ResponseCacheOptions } from './response-cache.js';

const model = createTestModel('vendor/model', [{ provider: 'provider-a', prompt: '1', completion: '2' }]);
const billed: BilledUsage = {
  usage: createUnknownUsage(),
  promptTokens: 10,
  completionTokens: 4,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costNanos: 18_000n,
  upstreamCostNanos: 18_000n,
  isEstimated: false,
};

/** A stream answer of one text delta `text` (its JSON is 58 characters plus the text). */
function streamCall(text: string): CachedCall {
  const events: StreamEvent[] = [{ type: 'text-delta', choice: 0, delta: text }];
  return { answer: { kind: 'stream', events }, model, endpoint: model.endpoints[0]!, billed, finishReason: undefined };
}

const size = (text: string): number => measureAnswer(streamCall(text).answer);
const options: ResponseCacheOptions = { ttlMs: 60_000, entriesMax: 3, bytesMax: 10_000, entryBytesMax: 1_000 };

describe('createResponseCache', () => {
  it('returns what was stored under a key until it expires, and forgets it then', () => {
    const cache = createResponseCache(options);
    const call = streamCall('hello');
    expect(cache.set('k', call, 60_000, 1_000)).toBe(true);
    expect(cache.get('k', 60_000, 60_999)).toBe(call);
    expect(cache.get('other', 60_000, 2_000)).toBeUndefined();
    expect(cache.get('k', 60_000, 61_000)).toBeUndefined();
    expect(cache.stats()).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps an entry no longer than the configured TTL, and serves it only to calls accepting its age', () => {
    const cache = createResponseCache(options);
    cache.set('short', streamCall('a'), 5_000, 0);
    cache.set('long', streamCall('b'), 10 * 60_000, 0);
    expect(cache.get('short', 60_000, 4_999)).toBeDefined();
    expect(cache.get('short', 60_000, 5_000)).toBeUndefined();
    expect(cache.get('long', 60_000, 59_999)).toBeDefined();
    expect(cache.get('long', 60_000, 60_000)).toBeUndefined();
    cache.set('aged', streamCall('c'), 60_000, 0);
    expect(cache.get('aged', 2_000, 1_999)).toBeDefined();
    expect(cache.get('aged', 2_000, 2_000)).toBeUndefined();
    expect(cache.get('aged', 60_000, 2_000)).toBeDefined();
  });

  it('evicts the least recently used past max entries; a hit counts as a use', () => {
    const cache = createResponseCache(options);
    for (const key of ['a', 'b', 'c']) cache.set(key, streamCall(key), 60_000, 0);
    expect(cache.get('a', 60_000, 1)).toBeDefined();
    cache.set('d', streamCall('d'), 60_000, 2);
    expect(['a', 'b', 'c', 'd'].map((key) => cache.get(key, 60_000, 3) !== undefined)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(cache.stats()).toEqual({ entries: 3, bytes: 3 * size('a') });
  });

  it('evicts past max bytes, refuses an answer larger than one entry may be, and replaces a key in place', () => {
    const entry = 'x'.repeat(900);
    const cache = createResponseCache({ ...options, entriesMax: 100, bytesMax: 2 * size(entry) + 10 });
    cache.set('one', streamCall(entry), 60_000, 0);
    cache.set('two', streamCall(entry), 60_000, 0);
    cache.set('three', streamCall(entry), 60_000, 0);
    expect(cache.get('one', 60_000, 1)).toBeUndefined();
    expect(cache.stats()).toEqual({ entries: 2, bytes: 2 * size(entry) });
    expect(cache.set('huge', streamCall('y'.repeat(1_000)), 60_000, 0)).toBe(false);
    expect(cache.stats()).toEqual({ entries: 2, bytes: 2 * size(entry) });
    cache.set('two', streamCall('short'), 60_000, 0);
    expect(cache.stats()).toEqual({ entries: 2, bytes: size(entry) + size('short') });
  });

  it('counts an answer at the size it is given (a shared value read from Redis), bounds included', () => {
    const cache = createResponseCache(options);
    expect(cache.set('shared', streamCall('a'), 60_000, 0, 700)).toBe(true);
    expect(cache.stats()).toEqual({ entries: 1, bytes: 700 });
    expect(cache.set('over', streamCall('a'), 60_000, 0, 1_001)).toBe(false);
    expect(cache.stats()).toEqual({ entries: 1, bytes: 700 });
  });
});

describe('readCacheRequest', () => {
  const cache = createResponseCache(options);
  const body = new TextEncoder().encode('{"model":"m"}');
  const read = (
    headers: { header?: string; ttlHeader?: string },
    gateway: { readonly cache: ResponseCache | undefined } = { cache },
  ) =>
    readCacheRequest({
      ...gateway,
      header: headers.header,
      ttlHeader: headers.ttlHeader,
      orgId: 'org-a',
      protocol: 'openai-chat',
      body,
    });

  it('is undefined when the call did not ask, off when this gateway has no cache', () => {
    expect(read({})).toBeUndefined();
    expect(read({ header: 'false' })).toBeUndefined();
    expect(read({ header: 'TRUE' }, { cache: undefined })).toBe('off');
  });

  it('keys by org, protocol and body bytes, with the configured TTL or a shorter one asked for', () => {
    expect(read({ header: 'true' })).toEqual({ key: computeCacheKey('org-a', 'openai-chat', body), ttlMs: 60_000 });
    expect(read({ header: ' true ', ttlHeader: '30' })).toMatchObject({ ttlMs: 30_000 });
    expect(read({ ttlHeader: '30' })).toEqual({ key: computeCacheKey('org-a', 'openai-chat', body), ttlMs: 30_000 });
    expect(read({ header: 'false', ttlHeader: '30' })).toBeUndefined();
    const keys = new Set([
      computeCacheKey('org-a', 'openai-chat', body),
      computeCacheKey('org-b', 'openai-chat', body),
      computeCacheKey('org-a', 'anthropic-messages', body),
      computeCacheKey('org-a', 'openai-chat', new TextEncoder().encode('{"model": "m"}')),
      computeCacheKey('org-a\0openai-chat', '', body),
      computeCacheKey('org-a', 'anthropic-messages', body, 'context-1m-2025-08-07'),
      computeCacheKey('org-a', 'anthropic-messages', body, 'interleaved-thinking-2025-05-14'),
    ]);
    expect(keys.size).toBe(7);
    // No variant: the key of a call without those headers is what it was.
    expect(computeCacheKey('org-a', 'openai-chat', body, '')).toBe(computeCacheKey('org-a', 'openai-chat', body));
  });

  it.each([
    [{ header: 'yes' }, 'x-meridian-cache'],
    [{ header: 'true', ttlHeader: '0' }, 'x-meridian-cache-ttl'],
    [{ header: 'true', ttlHeader: '61' }, 'x-meridian-cache-ttl'],
    [{ header: 'true', ttlHeader: '-5' }, 'x-meridian-cache-ttl'],
    [{ header: 'true', ttlHeader: '2e1' }, 'x-meridian-cache-ttl'],
  ])('refuses %j with invalid_request on %s', (headers, param) => {
    expect(() => read(headers)).toThrow(expect.objectContaining({ code: 'invalid_request', param }));
  });
});
