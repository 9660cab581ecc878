export { cacheHeaderName, cacheTtlHeaderName, computeCacheKey, readCacheRequest } from './read-cache-request.js';
export { createResponseCache, measureAnswer } from './response-cache.js';
export type { CacheRequest, CachedAnswer, CachedCall, ResponseCache, ResponseCacheOptions } from './response-cache.js';
