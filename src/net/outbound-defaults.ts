/**
 * Starting values for a guarded client, for callers without their own limits. A
 * webhook or an image fetch is small and should be quick; these turn a slow or
 * hostile server into a clean error instead of a held connection or a full heap.
 */
export const outboundDefaults = {
  timeouts: {
    /** DNS and handshake each; a black-holed address fails fast. */
    connectMs: 5_000,
    headersMs: 15_000,
    bodyIdleMs: 15_000,
    /** Upper bound for one call, redirects and body included. */
    totalMs: 30_000,
  },
  /** Images for vision models are the largest expected payload. */
  bodyBytesMax: 20 * 1024 * 1024,
  /** Browsers allow 20; real webhooks and CDNs need one or two. */
  redirectsMax: 5,
} as const;
