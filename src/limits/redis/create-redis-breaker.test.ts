import { describe, expect, it } from 'vitest';
import { createRedisBreaker } from './create-redis-breaker.js';
import type { RedisBreakerState } from './create-redis-breaker.js';

function createTestBreaker() {
  const clock = { nowMs: 1_000 };
  const changes: RedisBreakerState[] = [];
  const breaker = createRedisBreaker({
    now: () => clock.nowMs,
    failuresMax: 3,
    coolDownMs: 5_000,
    onStateChange: (state) => changes.push(state),
  });
  return { clock, changes, breaker };
}

describe('createRedisBreaker', () => {
  it('opens after exactly N consecutive failures; a success in between starts the count again', () => {
    const { breaker, changes } = createTestBreaker();
    breaker.recordFailure('call');
    breaker.recordFailure('call');
    breaker.recordSuccess('call');
    breaker.recordFailure('call');
    breaker.recordFailure('call');
    expect(breaker.state()).toBe('closed');
    expect(breaker.acquire()).toBe('call');
    breaker.recordFailure('call');
    expect(breaker.state()).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
    expect(changes).toEqual(['open']);
  });

  it('hands out one probe after the cool-down; its success closes, its failure opens for another cool-down', () => {
    const { breaker, clock, changes } = createTestBreaker();
    for (let index = 0; index < 3; index += 1) breaker.recordFailure('call');
    clock.nowMs += 4_999;
    expect(breaker.acquire()).toBeUndefined();
    clock.nowMs += 1;
    expect(breaker.acquire()).toBe('probe');
    expect(breaker.state()).toBe('half-open');
    expect(breaker.acquire()).toBeUndefined();
    breaker.recordFailure('probe');
    expect(breaker.state()).toBe('open');
    clock.nowMs += 4_999;
    expect(breaker.acquire()).toBeUndefined();
    clock.nowMs += 1;
    expect(breaker.acquire()).toBe('probe');
    breaker.recordSuccess('probe');
    expect(breaker.state()).toBe('closed');
    expect(breaker.acquire()).toBe('call');
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('lets stragglers (calls acquired before it opened) change nothing while open or probing', () => {
    const { breaker, clock } = createTestBreaker();
    for (let index = 0; index < 3; index += 1) breaker.recordFailure('call');
    breaker.recordSuccess('call');
    expect(breaker.state()).toBe('open');
    clock.nowMs += 5_000;
    expect(breaker.acquire()).toBe('probe');
    breaker.recordSuccess('call');
    breaker.recordFailure('call');
    expect(breaker.state()).toBe('half-open');
    breaker.recordSuccess('probe');
    // Closed with a fresh count: two failures do not reopen it.
    breaker.recordFailure('call');
    breaker.recordFailure('call');
    expect(breaker.state()).toBe('closed');
  });
});
