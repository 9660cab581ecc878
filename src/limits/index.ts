export { createRateLimiter } from './create-rate-limiter.js';
export type {
  LocalRateLimiter,
  RateAdmission,
  RateDecision,
  RateLimiter,
  RateLimitKind,
} from './create-rate-limiter.js';
export { currentRateWindow, rateWindowMs } from './current-rate-window.js';
export type { RateWindow } from './current-rate-window.js';
export { currentLimitWindowStartMs } from './limit-window.js';
// Cluster mode's Redis limiter is imported from './redis/index.js' only when configured (it loads ioredis).
