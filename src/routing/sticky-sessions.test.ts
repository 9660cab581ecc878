import { describe, expect, it } from 'vitest';
import { createStickySessions, stickySessionTtlMsDefault } from './sticky-sessions.js';

describe('createStickySessions', () => {
  it('remembers a conversation’s endpoint for five minutes by default', () => {
    const sessions = createStickySessions();
    sessions.set('conversation', 'deepseek/deepseek-chat', 1_000);
    expect(stickySessionTtlMsDefault).toBe(300_000);
    expect(sessions.get('conversation', 1_000 + 299_999)).toBe('deepseek/deepseek-chat');
    expect(sessions.get('conversation', 1_000 + 300_000)).toBeUndefined();
    // An expired entry is dropped, not kept around.
    expect(sessions.size).toBe(0);
  });

  it('restarts the TTL when the conversation is served again, as a cache hit refreshes the cache', () => {
    const sessions = createStickySessions({ ttlMs: 100 });
    sessions.set('conversation', 'a/x', 0);
    sessions.set('conversation', 'b/y', 90);
    expect(sessions.get('conversation', 189)).toBe('b/y');
    expect(sessions.get('conversation', 190)).toBeUndefined();
  });

  it('does not extend the TTL on a read', () => {
    const sessions = createStickySessions({ ttlMs: 100 });
    sessions.set('conversation', 'a/x', 0);
    expect(sessions.get('conversation', 99)).toBe('a/x');
    expect(sessions.get('conversation', 100)).toBeUndefined();
  });

  it('forgets the least recently used conversation past entriesMax', () => {
    const sessions = createStickySessions({ entriesMax: 2 });
    sessions.set('one', 'a/x', 0);
    sessions.set('two', 'b/y', 0);
    expect(sessions.get('one', 1)).toBe('a/x');
    sessions.set('three', 'c/z', 2);
    expect(sessions.size).toBe(2);
    expect(sessions.get('two', 3)).toBeUndefined();
    expect(sessions.get('one', 3)).toBe('a/x');
    expect(sessions.get('three', 3)).toBe('c/z');
  });

  it('forgets a conversation on request', () => {
    const sessions = createStickySessions();
    sessions.set('conversation', 'a/x', 0);
    sessions.forget('conversation');
    expect(sessions.get('conversation', 1)).toBeUndefined();
  });

  it.each([{ ttlMs: 0 }, { ttlMs: Number.NaN }, { entriesMax: 0 }, { entriesMax: 1.5 }])(
    'rejects the nonsensical options %j',
    (options) => {
      expect(() => createStickySessions(options)).toThrow(RangeError);
    },
  );
});
