export { connectRedisClient, createRedisClient } from './create-redis-client.js';
export type { RedisClientOptions } from './create-redis-client.js';
export { createRedisRateLimiter } from './create-redis-rate-limiter.js';
export type { RateLimiterState, RedisRateLimiter, RedisRateLimiterOptions } from './create-redis-rate-limiter.js';
