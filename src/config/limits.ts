/**
 * Every bound the gateway enforces, in one place, unit last (TigerStyle).
 * Each comment says what failure the limit turns into a clean error.
 * Documented for operators in docs/limits.md.
 */
export const limits = {
  /** Largest request body accepted. Agents send 100K–200K-token contexts (≈1 MB); beyond this → 413 payload_too_large instead of unbounded buffering. */
  requestBodyBytesMax: 16 * 1024 * 1024,
  /** Deepest JSON nesting accepted in a request body; deeper → 400 invalid_request (protects the parser and renderers from stack exhaustion). */
  requestJsonDepthMax: 64,
  /** Largest single SSE event read from an upstream; larger → the stream ends with upstream_invalid_response instead of growing memory without bound. */
  sseEventBytesMax: 4 * 1024 * 1024,
  /** Largest non-streaming upstream response body; larger → 502 upstream_invalid_response. */
  upstreamResponseBytesMax: 32 * 1024 * 1024,
  /** Largest upstream error body kept for logs and error messages (truncated beyond). */
  upstreamErrorBodyBytesMax: 4 * 1024,
  /** Time to open a TCP/TLS connection to an upstream → 504 upstream_timeout. */
  upstreamConnectTimeoutMs: 10_000,
  /** Time from request sent to the first response byte (headers) → 504 upstream_timeout. */
  upstreamFirstByteTimeoutMs: 120_000,
  /** Longest silence between two stream chunks → the stream ends with an upstream_timeout error. */
  upstreamIdleTimeoutMs: 120_000,
  /** Longest time from a call's start to its first output, over all attempts (config `routing.deadline_ms`) → 504 upstream_timeout. */
  upstreamTotalTimeoutMs: 30 * 60_000,
  /** After this long without a frame to the client, a committed stream gets a heartbeat (OpenAI `: keep-alive`, Anthropic `ping`). */
  streamHeartbeatIntervalMs: 15_000,
  /** Messages in one request; more → 400 invalid_request. */
  messagesCountMax: 10_000,
  /** Tools offered in one request; more → 400 invalid_request. */
  toolsCountMax: 512,
  /** Texts in one embeddings request (OpenAI's own bound); more → 400 invalid_request. */
  embeddingInputsMax: 2048,
  /** Choices (`n`) per request; more → 400 invalid_request. */
  choicesCountMax: 16,
  /** Largest `max_tokens` accepted from a client; more → 400 invalid_request. */
  maxOutputTokensMax: 1_000_000,
  /** Generation records buffered before a write is forced (group commit). */
  generationBatchCountMax: 512,
  /**
   * Under load (the previous commit was less than this long ago), the next commit waits this long to gather a
   * bigger batch: a SQLite commit costs ~45 µs, a row ~10 µs. Bounds the latency group commit adds to the end of a
   * response; when idle, records commit on the next event-loop turn.
   */
  generationCommitWindowMs: 1,
  /** Keys listed per page on the management API. */
  keysPageCountMax: 500,
  /** Time a clean shutdown waits for open streams before closing them. */
  shutdownDrainTimeoutMs: 10_000,
  /** After the drain bound, streams still open are ended with an in-band error; their settlement gets this long. */
  shutdownSettleTimeoutMs: 2_000,
} as const;

export type Limits = typeof limits;
