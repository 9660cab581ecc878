import type { KeyRateLimits } from '../storage/index.js';

/** Requests and tokens are counted per UTC minute (fixed windows: exact, testable counts). */
export const rateWindowMs = 60_000;

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

export interface RateLimiter {
  /** Admits one request of `estimatedTokens` for a key now, or says which limit refused it and when to retry. */
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
export function createRateLimiter(options: { readonly now: () => number }): RateLimiter {
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
    const nowMs = options.now();
    const window = Math.floor(nowMs / rateWindowMs);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * rateWindowMs - nowMs) / 1000));
    const state = current(keyId, window);
    const refusal = findRefusal(state, limits);
    const admitted = refusal === undefined ? { requests: 1, tokens: estimatedTokens } : { requests: 0, tokens: 0 };
    const headers = renderHeaders(state, limits, resetSeconds, admitted);
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

/**
 * OpenAI-style `x-ratelimit-*-requests|tokens` headers, plus the generic
 * `x-ratelimit-limit|remaining|reset` for the requests limit (or tokens when only
 * that is set). Remaining counts include this request when it is admitted.
 */
function renderHeaders(
  state: KeyWindow,
  limits: KeyRateLimits,
  resetSeconds: number,
  admitted: { readonly requests: number; readonly tokens: number },
): Record<string, string> {
  const headers: Record<string, string> = {};
  const reset = `${resetSeconds}s`;
  if (limits.requestsPerMinute !== null) {
    const remaining = Math.max(0, limits.requestsPerMinute - state.requests - admitted.requests);
    headers['x-ratelimit-limit-requests'] = String(limits.requestsPerMinute);
    headers['x-ratelimit-remaining-requests'] = String(remaining);
    headers['x-ratelimit-reset-requests'] = reset;
  }
  if (limits.tokensPerMinute !== null) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tokensPerMinute);
    headers['x-ratelimit-remaining-tokens'] = String(
      Math.max(0, limits.tokensPerMinute - state.tokens - admitted.tokens),
    );
    headers['x-ratelimit-reset-tokens'] = reset;
  }
  const generic =
    limits.requestsPerMinute !== null ? 'requests' : limits.tokensPerMinute !== null ? 'tokens' : undefined;
  if (generic !== undefined) {
    headers['x-ratelimit-limit'] = headers[`x-ratelimit-limit-${generic}`]!;
    headers['x-ratelimit-remaining'] = headers[`x-ratelimit-remaining-${generic}`]!;
    headers['x-ratelimit-reset'] = String(resetSeconds);
  }
  return headers;
}
