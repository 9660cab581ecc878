/**
 * Canonical types shared by every module. This folder imports nothing and has no
 * runtime dependencies; change it with an ADR.
 */
export type * from './chat-request.js';
export type * from './chat-result.js';
export type * from './finish-reason.js';
export type * from './stream-event.js';
export type * from './warning.js';
export type * from './billed-usage.js';
export type { Usage } from './usage.js';
export { createUnknownUsage } from './usage.js';
export type * from './embeddings.js';
