import type { KeyRateLimits } from '../storage/index.js';
import { currentRateWindow } from './current-rate-window.js';
import { renderRateLimitHeaders } from './render-rate-limit-headers.js';

export type RateLimitKind = 'requests' | 'tokens' | 'concurrency';

export type RateDecision =
  | {
      readonly ok: true;
      readonly headers: Readonly<Record<string, string>>;
      /** Ends the request: frees its concurrency slot and replaces its estimated tokens with the actual count. */
      readonly finish: (actualTokens: number) => void;
    }
  | {
      readonly ok: false;
      readonly kind: RateLimitKind;
      readonly retryAfterSeconds: number;
      readonly headers: Readonly<Record<string, string>>;
    };

/**
 * What an admission returns: the in-memory limiter answers at once; the Redis limiter (cluster mode) answers
 * with a promise bounded by its command timeout, or at once while Redis is unreachable (degraded limits).
 */
export type RateAdmission = RateDecision | Promise<RateDecision>;

/**
 * The limiter the HTTP pipeline calls: the in-memory one answers synchronously (no extra tick on the single-node
 * path); the Redis one answers with a promise while Redis is in use.
 */
export interface RateLimiter {
  /** Admits one request of `estimatedTokens` for a key now, or says which limit refused it and when to retry. */
  admit(keyId: string, limits: KeyRateLimits, estimatedTokens: number): RateAdmission;
}

/** The in-memory limiter: always synchronous, so the single-node hot path costs no promise. */
export interface LocalRateLimiter extends RateLimiter {
  admit(keyId: string, limits: KeyRateLimits, estimatedTokens: number): RateDecision;
}

interface KeyWindow {
  window: number;
  requests: number;
  tokens: number;
  concurrent: number;
}

/**
 * Per-key requests per minute, tokens per minute and concurrent requests, in memory
 * on this node (cluster mode moves the counters to Redis behind this interface).
 * A request is admitted while the minute's requests are under the limit and its
 * tokens so far are under the token limit; its estimated tokens count at once and
 * are corrected to the actual count when it finishes (if still in the same minute).
 */
export function createRateLimiter(options: { readonly now: () => number }): LocalRateLimiter {
  const windows = new Map<string, KeyWindow>();

  function current(keyId: string, window: number): KeyWindow {
    let state = windows.get(keyId);
    if (state === undefined) {
      if (windows.size >= 100_000) pruneIdle(window);
      state = { window, requests: 0, tokens: 0, concurrent: 0 };
      windows.set(keyId, state);
    } else if (state.window !== window) {
      state.window = window;
      state.requests = 0;
      state.tokens = 0;
    }
    return state;
  }

  function pruneIdle(window: number): void {
    for (const [keyId, state] of windows) if (state.window !== window && state.concurrent === 0) windows.delete(keyId);
  }

  function admit(keyId: string, limits: KeyRateLimits, estimatedTokens: number): RateDecision {
    const { index: window, resetSeconds } = currentRateWindow(options.now());
    const state = current(keyId, window);
    const refusal = findRefusal(state, limits);
    const admitted = refusal === undefined ? { requests: 1, tokens: estimatedTokens } : { requests: 0, tokens: 0 };
    const headers = renderRateLimitHeaders(state, limits, resetSeconds, admitted);
    if (refusal !== undefined) {
      return { ok: false, kind: refusal, retryAfterSeconds: refusal === 'concurrency' ? 1 : resetSeconds, headers };
    }
    state.requests += 1;
    state.tokens += estimatedTokens;
    state.concurrent += 1;
    let isFinished = false;
    return {
      ok: true,
      headers,
      finish: (actualTokens) => {
        if (isFinished) return;
        isFinished = true;
        state.concurrent -= 1;
        if (state.window === window) state.tokens = Math.max(0, state.tokens + actualTokens - estimatedTokens);
      },
    };
  }

  return { admit };
}

function findRefusal(state: KeyWindow, limits: KeyRateLimits): RateLimitKind | undefined {
  if (limits.requestsPerMinute !== null && state.requests >= limits.requestsPerMinute) return 'requests';
  if (limits.tokensPerMinute !== null && state.tokens >= limits.tokensPerMinute) return 'tokens';
  if (limits.concurrencyMax !== null && state.concurrent >= limits.concurrencyMax) return 'concurrency';
  return undefined;
}
