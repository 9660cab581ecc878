export { createRateLimiter, rateWindowMs } from './create-rate-limiter.js';
export type { RateDecision, RateLimiter, RateLimitKind } from './create-rate-limiter.js';
export { currentLimitWindowStartMs } from './limit-window.js';
