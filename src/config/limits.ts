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
  /**
   * Open connections to one provider's origin (one per call in flight: streams hold theirs to the end). More calls to
   * that provider at once wait in its pool for a connection, within the call's deadline. High on purpose: agents keep
   * thousands of streams open (PRODUCT.md §8: 10 000 in one process).
   */
  upstreamConnectionsPerProviderMax: 16_384,
  /** Longest time from a call's start to its first output, over all attempts (config `routing.deadline_ms`) → 504 upstream_timeout. */
  upstreamTotalTimeoutMs: 30 * 60_000,
  /** After this long without a frame to the client, a committed stream gets a heartbeat (OpenAI `: keep-alive`, Anthropic `ping`). */
  streamHeartbeatIntervalMs: 15_000,
  /** Messages in one request; more → 400 invalid_request. */
  messagesCountMax: 10_000,
  /** Tools offered in one request; more → 400 invalid_request. */
  toolsCountMax: 512,
  /**
   * Longest `anthropic-beta` value kept for Anthropic-protocol upstreams (every copy of the header, comma-joined);
   * longer → 400 invalid_request, `param: anthropic-beta` (a cut list would name a beta that does not exist).
   */
  anthropicBetaHeaderBytesMax: 4 * 1024,
  /**
   * Longest `x-meridian-warnings` response header: the first warnings whole, then one saying how many more were left
   * out. Without it, a long agent history (a dropped image per tool output) made a header clients refuse to read
   * (undici's 16 KiB for all headers: the official OpenAI client reports a connection error).
   */
  warningsHeaderBytesMax: 4 * 1024,
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
  /** Response cache (`cache.ttl_seconds`): how long an answer is served by default, and the most a config may set (beyond it the start fails, naming the key). */
  responseCacheTtlSecondsDefault: 300,
  responseCacheTtlSecondsMax: 7 * 24 * 60 * 60,
  /** Response cache (`cache.max_entries`): answers kept per node by default, and the most a config may set; past it the least recently used goes. */
  responseCacheEntriesDefault: 10_000,
  responseCacheEntriesMax: 1_000_000,
  /** Response cache (`cache.max_bytes`): bytes of answers kept per node by default, and the most a config may set; past it the least recently used go. */
  responseCacheBytesDefault: 64 * 1024 * 1024,
  responseCacheBytesMax: 4 * 1024 * 1024 * 1024,
  /** One cached answer may take at most this share of `cache.max_bytes` (1/n); a larger answer is served but not kept. */
  responseCacheEntryShareDivisor: 16,
  /** Shared response cache (Redis): index members of answers Redis already expired, forgotten per store at most (bounds the script's run time). */
  responseCacheForgetPerStoreMax: 100,
  /** Shared response cache (Redis): its index keys outlive the longest answer by this much, then go with the last answer. */
  responseCacheIndexGraceMs: 60_000,
  /** Keys listed per page on the management API. */
  keysPageCountMax: 500,
  /** Generations listed per page by `GET /api/v1/generations` (the dashboard's recent list); more → 400. */
  generationsPageCountMax: 100,
  /** A dashboard session unused this long ends (the next request with its cookie → 401 authentication_failed). */
  sessionIdleTimeoutMs: 30 * 60_000,
  /** A dashboard session ends this long after sign-in however busy it is (a stolen cookie stops working). */
  sessionLifetimeMs: 12 * 60 * 60_000,
  /** Live dashboard sessions kept per node; at the bound the oldest is ended (memory stays bounded under a sign-in flood). */
  sessionsCountMax: 10_000,
  /** Live dashboard sessions one key may hold; its next sign-in ends its own oldest (a key signing in over and over cannot end others' sessions). */
  sessionsPerKeyMax: 20,
  /** Running calls' holds are renewed every third of the hold TTL, but never more often than this. */
  holdRenewIntervalMsMin: 50,
  /** `/v1/responses` output items each node remembers for `item_reference` inputs (least recently rendered forgotten first). */
  responsesItemsCountMax: 50_000,
  /** Their total size (UTF-16 bytes of their texts and arguments, plus overheads). */
  responsesItemsBytesMax: 64 * 1024 * 1024,
  /** How long an item is remembered; a reference to an older one is 400 `invalid_request` on `input[i].id`. */
  responsesItemTtlMs: 60 * 60_000,
  /**
   * Event-loop time the public barometer's keyless queries may take, per second on average (SQLite runs them on the
   * event loop: a year of day rankings in a zone off UTC midnights can take half a second). Beyond it, keyless
   * queries get 429 rate_limited with Retry-After until the time has refilled; queries with a key are not counted.
   */
  publicBarometerQueryMsPerSecond: 100,
  /** What the public barometer's queries may take at once after a quiet spell (the bucket's size). */
  publicBarometerQueryBurstMs: 1_000,
  /** Sign-in attempts that did not succeed, per remote address in any 60 s; beyond → 429 rate_limited with Retry-After (no key guessing at full speed). */
  loginFailuresPerMinuteMax: 10,
  /** Remote addresses the sign-in throttle remembers; at the bound the oldest is forgotten (memory stays bounded). */
  loginThrottleAddressesMax: 10_000,
  /** Largest sign-in body (`{"key": …}`; no key is longer than 512 characters) → 413 payload_too_large. */
  loginBodyBytesMax: 4 * 1024,
  /** Providers created through the management API; one more → 400 invalid_request (each is rebuilt into the catalog on every change). */
  apiProvidersCountMax: 1_000,
  /** Models one API-created provider declares; more → 400 invalid_request, `param: models`. */
  providerModelsCountMax: 1_000,
  /** Longest provider API key accepted through the API (it travels in a header); longer → 400 invalid_request, `param: api_key`. */
  providerApiKeyCharsMax: 4_096,
  /** Longest provider `base_url` accepted through the API; longer → 400 invalid_request, `param: base_url`. */
  providerBaseUrlCharsMax: 2_048,
  /** DNS lookup when a `base_url` is written through the API; slower → 400 invalid_request instead of a held admin request. */
  outboundUrlCheckTimeoutMs: 5_000,
  /** `meridian providers check`: one probe of a provider (connect, headers and body); slower → that row reads `error timeout`, the others still print. */
  providerCheckTimeoutMs: 5_000,
  /** `meridian providers check`: probes in flight at once (up to `apiProvidersCountMax` providers are checked without opening as many sockets). */
  providerCheckConcurrencyMax: 8,
  /**
   * Prompt-logging bytes stored per generation (prompt JSON + completion JSON, orgs that opted in): beyond it the
   * larger side is cut (the smaller keeps up to half) and ends with a truncation marker, instead of one agent call
   * storing megabytes of context for every turn.
   */
  promptLogBytesMax: 1024 * 1024,
  /** Longest prompt-logging retention an org may set (`retention_days`); more → 400 invalid_request / a config error. */
  promptLogRetentionDaysMax: 365,
  /** Longest silence while a request body arrives → 408 request_timeout in the client's protocol, connection closed. */
  requestBodyIdleTimeoutMs: 60_000,
  /**
   * Longest time a request body may take to arrive (16 MiB at 28 KB/s) → 408 request_timeout. Node's own request
   * timeout is set past it (`serverRequestTimeoutMs`), so the gateway's answer, with its error shape, comes first.
   */
  requestBodyTotalTimeoutMs: 10 * 60_000,
  /**
   * Node's `maxHeaderSize`: the request line and every header together; more → 431 headers_too_large in the client's
   * error shape, and the connection is closed.
   */
  requestHeaderBytesMax: 16 * 1024,
  /** Node's `requestTimeout`: only a backstop behind `requestBodyTotalTimeoutMs` (408 request_timeout, connection closed). */
  serverRequestTimeoutMs: 11 * 60_000,
  /** Longest name of a key or an org (characters); longer → 400 invalid_request, `param: name`. */
  adminNameLengthMax: 200,
  /** Longest `grant_id` of a credit grant (characters; a payment id fits); longer → 400 invalid_request. */
  grantIdLengthMax: 200,
  /**
   * Largest `requests_per_minute`, `tokens_per_minute` or `concurrency` of a key (a count): far past any real limit,
   * and well inside exact integers in the limiters' counters; larger → 400 invalid_request naming the field.
   */
  keyRateLimitMax: 1_000_000_000,
  /** The serving node purges expired prompt logs at start and then this often (rows outlive their retention by at most this). */
  promptLogPurgeIntervalMs: 60 * 60_000,
  /** Rows one purge transaction deletes; each batch holds the write lock briefly and the event loop gets a turn between batches. */
  promptLogPurgeBatchRowsMax: 500,
  /** Purge batches per run; the rest waits for the next run (a backlog never holds the node in one long loop). */
  promptLogPurgeBatchesPerRunMax: 1_000,
  /** A node re-reads an org's prompt-logging switch this often (a change through this node's API applies at once). */
  promptLogSettingCacheTtlMs: 5_000,
  /** A node re-reads an org's markup this often (a change through this node's API applies to its next call). */
  orgMarkupCacheTtlMs: 5_000,
  /** Time a clean shutdown waits for open streams before closing them. */
  shutdownDrainTimeoutMs: 10_000,
  /**
   * Connections the kernel queues for the gateway to accept while its event loop is busy (a burst of new agents);
   * beyond it (or the kernel's `net.core.somaxconn`, whichever is lower) new connections are refused or reset.
   * Node's default is 511.
   */
  listenBacklog: 4_096,
  /** After the drain bound, streams still open are ended with an in-band error; their settlement gets this long. */
  shutdownSettleTimeoutMs: 2_000,
  /**
   * Every Redis command (cluster-mode rate limits): no reply within this → the call counts as a failure and the
   * request is decided by the degraded local limits instead of waiting on a slow or frozen Redis.
   */
  redisCommandTimeoutMs: 50,
  /** One attempt to open a connection to Redis; slower → the attempt fails and the client retries in the background. */
  redisConnectTimeoutMs: 1_000,
  /** Longest pause between reconnection attempts to Redis (they back off from 100 ms up to this). */
  redisReconnectDelayMsMax: 1_000,
  /** Consecutive failed Redis calls that open the breaker; from then on admissions use degraded local limits without touching Redis. */
  redisBreakerFailuresMax: 3,
  /** How long the Redis breaker stays open before one call probes Redis again (half-open). */
  redisBreakerCoolDownMs: 5_000,
  /**
   * An in-flight request's concurrency slot in Redis, renewed by nothing: longer than any stream (the 30 min deadline
   * to first output + 30 min of output). A node that dies mid-request leaves its slots taken for at most this long.
   */
  redisConcurrencyLeaseMs: 60 * 60_000,
  /** A rate window's request and token counters expire this long after their last write (the window is 1 min). */
  redisRateWindowKeyTtlMs: 2 * 60_000,
  /** Each node writes its heartbeat to Redis this often; the live node count divides limits while Redis is down. */
  redisHeartbeatIntervalMs: 5_000,
  /** A node whose last heartbeat is older than this is no longer counted live (three missed heartbeats). */
  redisNodeLiveWindowMs: 15_000,
  /** Concurrency releases kept while Redis is unreachable, sent when it answers again; beyond, the oldest are dropped (their leases expire). */
  redisPendingReleasesMax: 10_000,
  /** Connections one node's PostgreSQL pool opens at most (cluster mode); more queries wait for a free one. */
  postgresConnectionsMax: 10,
  /**
   * Connections of the node's journal (cluster mode), apart from those 10: settlements and records drain on them, so
   * a queue of admissions never delays a settlement (a hold outliving its TTL would expire and charge nothing).
   */
  postgresJournalConnectionsMax: 2,
  /** Longest a new PostgreSQL connection may take to open (a stopped or frozen server) before the query fails. */
  postgresConnectTimeoutMs: 2_000,
  /**
   * Cluster mode: longest the node's own queues may hold a PostgreSQL call while PostgreSQL answers — a query waiting
   * for one of the pool's `postgresConnectionsMax` connections, and a serving-path store call in all (that wait, its
   * org's admission batch, its statements). Past it: 503 `gateway_overloaded`, nothing charged, and the ledger breaker
   * untouched: the node is short of connections or CPU, PostgreSQL is not down. Without it a starved node's queue
   * would grow without bound; before it, that wait counted against `ledgerCallTimeoutMs` and was answered as
   * PostgreSQL unavailable.
   */
  postgresQueueWaitMsMax: 10_000,
  /** Longest a PostgreSQL statement may run (server-side `statement_timeout`; a frozen server fails on the client). */
  postgresStatementTimeoutMs: 5_000,
  /** PostgreSQL admission statements that lost a race (the same request id, or a key's first hold) run again up to this many times, then fail. */
  postgresPlaceHoldAttemptsMax: 3,
  /**
   * Cluster mode: a call to PostgreSQL from the serving path (admission, key lookup, release, management) not
   * answered within this, while PostgreSQL has answered nothing of the node's for as long (a frozen server, not a
   * busy node: src/storage/postgres/watch-pool-liveness.ts), turns into 503 `ledger_unavailable`.
   */
  ledgerCallTimeoutMs: 2_000,
  /** Cluster mode: this many unavailable answers in a row open the ledger breaker … */
  ledgerBreakerFailuresMax: 3,
  /** … for this long: paid calls get 503 at once, then one call probes PostgreSQL again. */
  ledgerBreakerOpenMs: 1_000,
  /** `Retry-After` of a 503 `ledger_unavailable`. */
  ledgerUnavailableRetryAfterSeconds: 1,
  /** A call's hold whose release failed (the ledger could not answer) is tried again this often, until it goes through. */
  holdReleaseRetryIntervalMs: 1_000,
  /** Releases waiting to be retried at most; past this, the reconciler expires the rest after their TTL. */
  holdReleaseRetriesMax: 10_000,
  /**
   * Embedded mode: generation records (with their settlements) whose group commit failed because the database could
   * not be written, kept in memory and written again every `generationRetryIntervalMs`; past this many, a further one
   * is dropped and logged, and its hold expires by the reconciler's rule (src/storage/retained-records.ts).
   */
  generationRetainedCountMax: 10_000,
  /** Bounds of `storage.generation_retention_days` (records older than it are purged hourly, with the prompt logs' batches). */
  generationRetentionDaysMin: 7,
  generationRetentionDaysMax: 36_500,
  generationRetryIntervalMs: 1_000,
  /**
   * Embedded mode: how often the database's free disk space is read and, after a write failed, a one-row probe write
   * tried; model calls are refused (503 `ledger_unavailable`) until it succeeds (src/storage/sqlite/sqlite-write-breaker.ts).
   */
  sqliteWriteCheckIntervalMs: 1_000,
  /**
   * Embedded mode: the default of `storage.sqlite_free_bytes_min`. Below it model calls are refused, so the calls in
   * flight still have room to settle and a WAL checkpoint room to grow the database file.
   */
  sqliteFreeBytesMinDefault: 64 * 1024 * 1024,
  /**
   * Embedded mode: how long the serving node's writes wait for another process's write lock (the CLI's
   * `credits grant`, a backup tool, an open `sqlite3` shell) before they fail and the node refuses model calls until a
   * probe write succeeds. SQLite waits synchronously, so every stream of the node stops for that long: a short
   * transaction next to the node takes milliseconds, and a lock held for seconds costs a 503, not a frozen node.
   * CLI commands keep waiting up to 5 s for the node's own short commits.
   */
  sqliteServeBusyTimeoutMs: 250,
  /** Entries in `server.trusted_proxies` (addresses or CIDRs); more is a config error. */
  trustedProxiesCountMax: 100,
  /** Entries in `security.outbound_allow`; more is a config error. */
  outboundAllowEntriesMax: 1_000,
  /** Longest a shutdown waits for the Redis limiter to send its releases and disconnect (a frozen Redis). */
  redisCloseTimeoutMs: 1_000,
  /** The sandbox's `/v1/embeddings`: inputs per request (OpenAI's own bound) and the most `dimensions` it gives. */
  sandboxEmbeddingInputsMax: 2_048,
  sandboxEmbeddingDimensionsMax: 1_536,
} as const;

export type Limits = typeof limits;
