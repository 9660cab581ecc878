export { createSharedResponseCache } from './create-shared-response-cache.js';
export type {
  SharedResponseCache,
  SharedResponseCacheOptions,
  SharedStoreOutcome,
} from './create-shared-response-cache.js';
export { decodeSharedEntry, encodeSharedEntry, resolveSharedEntry } from './shared-entry.js';
export type { SharedEntry } from './shared-entry.js';
export { sharedCacheKeys } from './shared-cache-script.js';
