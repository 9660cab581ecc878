import { describe, expect, it } from 'vitest';
import { createResponseItemMemory } from './item-memory.js';

const text = (value: string) => [{ type: 'text' as const, text: value }];

describe('createResponseItemMemory', () => {
  it('recalls what it remembered until the TTL, then forgets it', () => {
    let nowMs = 0;
    const memory = createResponseItemMemory({ countMax: 10, bytesMax: 10_000, ttlMs: 1_000, now: () => nowMs });
    memory.remember('msg_a', text('hello'));
    nowMs = 999;
    expect(memory.recall('msg_a')).toEqual(text('hello'));
    nowMs = 1_000;
    expect(memory.recall('msg_a')).toBeUndefined();
    expect(memory.recall('msg_b')).toBeUndefined();
  });

  it('past the count bound forgets the least recently remembered first', () => {
    const memory = createResponseItemMemory({ countMax: 2, bytesMax: 10_000, ttlMs: 1_000, now: () => 0 });
    memory.remember('a', text('1'));
    memory.remember('b', text('2'));
    memory.remember('a', text('1 again'));
    memory.remember('c', text('3'));
    expect(['a', 'b', 'c'].map((id) => memory.recall(id)?.[0])).toEqual([
      { type: 'text', text: '1 again' },
      undefined,
      { type: 'text', text: '3' },
    ]);
  });

  it('past the byte bound forgets the oldest, and never keeps an item larger than the bound', () => {
    // Each item: 128 + 2 × 1 (id) + 64 + 2 × 100 (text) = 394 bytes; two fit in 800.
    const memory = createResponseItemMemory({ countMax: 100, bytesMax: 800, ttlMs: 1_000, now: () => 0 });
    for (const id of ['a', 'b', 'c']) memory.remember(id, text('x'.repeat(100)));
    expect(['a', 'b', 'c'].map((id) => memory.recall(id) !== undefined)).toEqual([false, true, true]);
    memory.remember('d', text('x'.repeat(1_000)));
    expect(['b', 'c', 'd'].map((id) => memory.recall(id) !== undefined)).toEqual([true, true, false]);
  });
});
