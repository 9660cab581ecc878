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
export { connectRedisClient, createRedisClient, createRedisRateLimiter } from './redis/index.js';
export type { RedisClientOptions, RedisRateLimiter, RedisRateLimiterOptions, RateLimiterState } from './redis/index.js';
