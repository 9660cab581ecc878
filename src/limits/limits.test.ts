import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './create-rate-limiter.js';
import { currentLimitWindowStartMs } from './limit-window.js';

const none = { requestsPerMinute: null, tokensPerMinute: null, concurrencyMax: null };

describe('createRateLimiter', () => {
  it('admits exactly the requests-per-minute limit in a UTC minute, then 429 until the next minute', () => {
    let nowMs = Date.UTC(2026, 10, 29, 12, 0, 10);
    const limiter = createRateLimiter({ now: () => nowMs });
    const limits = { ...none, requestsPerMinute: 3 };
    const decisions = [1, 2, 3, 4].map(() => limiter.admit('k', limits, 10));
    expect(decisions.map((decision) => decision.ok)).toEqual([true, true, true, false]);
    for (const decision of decisions) if (decision.ok) decision.finish(10);
    expect(decisions[0]!.headers).toMatchObject({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '50s',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '50',
    });
    expect(decisions[3]).toMatchObject({ ok: false, kind: 'requests', retryAfterSeconds: 50 });
    nowMs = Date.UTC(2026, 10, 29, 12, 1, 0);
    expect(limiter.admit('k', limits, 10).ok).toBe(true);
    expect(limiter.admit('other', limits, 10).ok).toBe(true);
  });

  it('counts tokens per minute, corrected to the actual count when a request finishes', () => {
    const nowMs = Date.UTC(2026, 10, 29, 12, 0, 0);
    const limiter = createRateLimiter({ now: () => nowMs });
    const limits = { ...none, tokensPerMinute: 1_000 };
    const first = limiter.admit('k', limits, 900);
    expect(first).toMatchObject({ ok: true, headers: { 'x-ratelimit-remaining-tokens': '100' } });
    if (first.ok) first.finish(400);
    const second = limiter.admit('k', limits, 500);
    expect(second).toMatchObject({ ok: true, headers: { 'x-ratelimit-remaining-tokens': '100' } });
    if (second.ok) second.finish(600);
    expect(limiter.admit('k', limits, 1)).toMatchObject({ ok: false, kind: 'tokens', retryAfterSeconds: 60 });
  });

  it('bounds concurrent requests and frees a slot exactly once per finish', () => {
    const limiter = createRateLimiter({ now: () => 0 });
    const limits = { ...none, concurrencyMax: 2 };
    const first = limiter.admit('k', limits, 1);
    const second = limiter.admit('k', limits, 1);
    expect(limiter.admit('k', limits, 1)).toMatchObject({ ok: false, kind: 'concurrency', retryAfterSeconds: 1 });
    if (first.ok) {
      first.finish(1);
      first.finish(1);
    }
    expect(limiter.admit('k', limits, 1).ok).toBe(true);
    expect(limiter.admit('k', limits, 1).ok).toBe(false);
    expect(second.ok).toBe(true);
  });
});

describe('currentLimitWindowStartMs', () => {
  it('starts days, ISO weeks and months at UTC midnight (a week may span a month boundary)', () => {
    const sunday = Date.UTC(2026, 10, 1, 15, 30);
    expect(currentLimitWindowStartMs('daily', sunday)).toBe(Date.UTC(2026, 10, 1));
    expect(currentLimitWindowStartMs('weekly', sunday)).toBe(Date.UTC(2026, 9, 26));
    expect(currentLimitWindowStartMs('monthly', sunday)).toBe(Date.UTC(2026, 10, 1));
    expect(currentLimitWindowStartMs('weekly', Date.UTC(2026, 9, 26))).toBe(Date.UTC(2026, 9, 26));
    expect(currentLimitWindowStartMs('none', sunday)).toBe(0);
  });
});
