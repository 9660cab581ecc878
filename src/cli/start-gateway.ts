import { formatHost, startMetricsListener } from './start-metrics-listener.js';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildCatalog,
  CatalogReferenceError,
  describeUnservedAlias,
  findUnservedAliases,
  loadVendorFiles,
} from '../catalog/index.js';
import type { Catalog } from '../catalog/index.js';
import type { LoadedConfig, MeridianConfig } from '../config/index.js';
import { createResponseCache } from '../cache/index.js';
import { createSharedResponseCache } from '../cache/shared/index.js';
import type { SharedResponseCache } from '../cache/shared/index.js';
import { ConfigError, formatConfigPath, limits } from '../config/index.js';
import { createHealthTracker, startSharedHealth } from '../health/index.js';
import { createApp } from '../http/app.js';
import { answerClientError } from '../http/answer-client-error.js';
import type { ClientError } from '../http/answer-client-error.js';
import type { AppContext } from '../http/app-context.js';
import { parseTrustedProxies } from '../http/client-address.js';
import { createOrgMarkups } from '../http/org-markups.js';
import { createQueryTimeBudget } from '../http/query-time-budget.js';
import { createRetryBudget } from '../http/retry-budget.js';
import { createLoginThrottle, createSessionStore } from '../http/session/index.js';
import type { GatewayMetrics, Logger } from '../observability/index.js';
import { resolveTracesConfig, startTracing } from '../observability/index.js';
import { openaiChatInbound, openaiChatOutbound, openaiEmbeddings } from '../protocols/openai-chat/index.js';
import { createOpenaiResponsesInbound, createResponseItemMemory } from '../protocols/openai-responses/index.js';
import { anthropicMessagesInbound, anthropicMessagesOutbound } from '../protocols/anthropic-messages/index.js';
import { geminiEmbeddings, geminiOutbound } from '../protocols/gemini/index.js';
import { createStickySessions } from '../routing/index.js';
import { assertPepperUsable } from '../keys/index.js';
import { startSandboxServer } from '../sandbox/index.js';
import type { SandboxServer } from '../sandbox/index.js';
import type { ServingStorage } from '../storage/index.js';
import { createUpstreamClient } from '../upstream/index.js';
import { bootstrapKeys } from './bootstrap-keys.js';
import { GatewayError } from '../errors/index.js';
import { loadO200kTokens } from '../metering/index.js';
import { createGatewayObservability } from './create-gateway-metrics.js';
import { assertDatabaseDirectoryUsable, openNodeStorage } from './open-storage.js';
import { assertDataDirectoryUsable, prepareDataDirectory } from './prepare-data-directory.js';
import { startRetentionPurges } from './start-retention.js';
import { loadKeyring } from '../secrets/index.js';
import { startRateLimiter } from './start-rate-limiter.js';
import type { NodeRateLimiter } from './start-rate-limiter.js';
import { createProviderAdmin, startProviderRefresh } from './create-provider-admin.js';
import { startGenerationWriter } from './start-generation-writer.js';

/** Upstream protocols this build can call; catalog providers speaking others stay off. */
export const outboundAdapters = {
  'openai-chat': openaiChatOutbound,
  'anthropic-messages': anthropicMessagesOutbound,
  gemini: geminiOutbound,
} as const;
const embeddingsAdapters = { 'openai-chat': openaiEmbeddings, gemini: geminiEmbeddings } as const;
export const supportedProtocols: ReadonlySet<string> = new Set(Object.keys(outboundAdapters));

export interface GatewayOptions {
  readonly loaded: LoadedConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Lines for the operator (listening address, keys shown once); stdout in the CLI. */
  readonly print: (line: string) => void;
  readonly portOverride?: number;
  readonly hostOverride?: string;
}

export interface RunningGateway {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting, drains open model calls (bounded), flushes records, closes storage. */
  close(): Promise<void>;
  /** During `close`: ends the drain now, as if its bound had passed (a second SIGTERM or SIGINT). */
  hurry(): void;
}

/** Assembles and starts a gateway node: storage → keys → sandbox → catalog → HTTP. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options.loaded;
  // Before anything else can fail: a bad OTEL_* variable stops the start (the SDK loads only when configured).
  const tracing = await startTracing(resolveTracesConfig(config.observability.traces, options.env), options.log);
  prepareDataDirectory(config.dataDirectory);
  // Every chat call estimates its prompt with the tokenizer: its vocabulary is read now, not by the first call.
  loadO200kTokens();
  // SQLite: the serving process owns the database file, admissions are batched (src/ledger/sqlite/hold-book.ts).
  // PostgreSQL (cluster mode): every node shares the database; admissions are one statement each.
  const opened = await openNodeStorage(
    config,
    options.env,
    {
      holdCommit: 'batched',
      onFlushError: (error) => options.log.error('ledger_hold_flush_failed', { error: String(error) }),
    },
    {
      // SQLite: calls are refused while the database cannot be written (docs/operations.md, "Disk full").
      freeBytesMin: config.storage.sqliteFreeBytesMin,
      busyTimeoutMs: limits.sqliteServeBusyTimeoutMs,
      onChange: (health) =>
        health.isWritable
          ? options.log.info('storage_writable', {})
          : options.log.error('storage_unwritable', { reason: health.reason, detail: health.detail }),
    },
  );
  const { storage, keys } = opened;
  if (storage.driver === 'postgres' && storage.isBehindPooler) {
    // docs/cluster.md, "Behind PgBouncer": reads outside a transaction are bounded on the server only by the role.
    options.log.warn('postgres_behind_pooler', {
      detail:
        'the server refused or dropped the session settings sent at connection start: each transaction sets them ' +
        "locally; set the role's statement_timeout to bound reads outside transactions too",
    });
  }
  await bootstrapKeys({ config, storage, keys, print: options.print, now: Date.now });
  // Prompt logs and (when configured) generation records past their retention: deleted at start, then hourly.
  const retention = startRetentionPurges({
    storage,
    generationRetentionDays: config.storage.generationRetentionDays,
    log: options.log,
  });
  const sandbox: SandboxServer | undefined = config.sandbox.enabled
    ? await startSandboxServer({ latencyScale: config.sandbox.latencyScale })
    : undefined;
  const catalog = buildGatewayCatalog(options, sandbox?.baseUrl);
  // Providers created through the API join this catalog now and after every change (src/catalog/create-live-catalog.ts).
  const providerAdmin = await createProviderAdmin({
    config,
    env: options.env,
    store: storage.providers,
    base: catalog,
    log: options.log,
  });
  const providerRefresh = storage.driver === 'postgres' ? startProviderRefresh(providerAdmin, options.log) : undefined;
  const callsInFlight = { count: 0 };
  const liveHolds = new Set<string>();
  const observability = createGatewayObservability({ log: options.log, storage });
  const nodeWriter = await startGenerationWriter({
    opened,
    config,
    log: options.log,
    metrics: observability.metrics,
    callsInFlight,
  });
  const generationWriter = observability.meterWriter(nodeWriter.writer);
  // Cluster mode: paid calls and readiness refused while the node's journal cannot be written (a full disk).
  const servingStorage = nodeWriter.guard(storage);

  const rateLimits = await startRateLimiter({ config, log: options.log, metrics: observability.metrics });
  // Cluster mode: endpoint rests (open circuits, Retry-After) are announced to and heard from the other nodes.
  const sharedHealth =
    rateLimits.redis &&
    (await startSharedHealth({
      ...rateLimits.redis,
      tracker: createHealthTracker(),
      now: Date.now,
      onError: (error) => options.log.warn('shared_health_error', { error: String(error) }),
    }));
  const upstream = createUpstreamClient({
    connectTimeoutMs: limits.upstreamConnectTimeoutMs,
    firstByteTimeoutMs: limits.upstreamFirstByteTimeoutMs,
    idleTimeoutMs: limits.upstreamIdleTimeoutMs,
    outboundAllowList: providerAdmin.allowList,
  });
  const context: AppContext = {
    catalog: providerAdmin.liveCatalog.catalog,
    providerAdmin,
    keys,
    storage: servingStorage,
    generationWriter,
    upstream,
    outbound: outboundAdapters,
    embeddings: embeddingsAdapters,
    inbound: {
      'openai-chat': openaiChatInbound,
      'anthropic-messages': anthropicMessagesInbound,
      'openai-responses': createOpenaiResponsesInbound(
        createResponseItemMemory({
          countMax: limits.responsesItemsCountMax,
          bytesMax: limits.responsesItemsBytesMax,
          ttlMs: limits.responsesItemTtlMs,
          now: Date.now,
        }),
      ),
    },
    log: options.log,
    metrics: observability.metrics,
    metricsRegistry: observability.registry,
    barometer: {
      ...config.barometer,
      publicQueries: createQueryTimeBudget({
        msPerSecond: limits.publicBarometerQueryMsPerSecond,
        burstMs: limits.publicBarometerQueryBurstMs,
        now: () => performance.now(),
      }),
    },
    now: Date.now,
    orgMarkups: createOrgMarkups((orgId) => storage.orgs.findOrg(orgId), { now: Date.now }),
    holdTtlMs: config.billing.holdTtlMs ?? holdTtlMsDefault,
    liveHolds,
    rateLimiter: rateLimits.limiter,
    rateLimitMode: () => rateLimits.mode(),
    callsInFlight,
    health: observability.meterHealth(sharedHealth?.health ?? createHealthTracker()),
    stickySessions: createStickySessions(),
    responseCache: config.cache.isEnabled
      ? createResponseCache({ ...responseCacheBounds(config), ttlMs: config.cache.ttlSeconds * 1000 })
      : undefined,
    sharedResponseCache: startSharedResponseCache({
      config,
      rateLimits,
      log: options.log,
      metrics: observability.metrics,
    }),
    retryBudget: createRetryBudget(),
    routingDeadlineMs: config.routing.deadlineMs ?? limits.upstreamTotalTimeoutMs,
    openCalls: new Map(),
    lifecycle: { isDraining: false, openResponses: new Set() },
    sessions: createSessionStore({
      idleTimeoutMs: limits.sessionIdleTimeoutMs,
      lifetimeMs: limits.sessionLifetimeMs,
      countMax: limits.sessionsCountMax,
      perKeyCountMax: limits.sessionsPerKeyMax,
    }),
    loginThrottle: createLoginThrottle({
      failuresMax: limits.loginFailuresPerMinuteMax,
      addressesMax: limits.loginThrottleAddressesMax,
    }),
    trustedProxies: parseTrustedProxies(config.server.trustedProxies),
  };
  const server = createServer(
    {
      noDelay: true,
      keepAliveTimeout: 65_000,
      requestTimeout: limits.serverRequestTimeoutMs,
      maxHeaderSize: limits.requestHeaderBytesMax,
    },
    createApp(context),
  );
  server.on('clientError', (error: ClientError, socket) => answerClientError(context.inbound, error, socket));
  const host = options.hostOverride ?? config.server.host;
  const port = options.portOverride ?? config.server.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${formatHost(host)}:${port} is already in use: stop what listens there, or pick another port (--port, server.port).`,
            )
          : error,
      ),
    );
    server.listen({ port, host, backlog: limits.listenBacklog }, resolve);
  });
  const metricsListener =
    config.server.metrics === undefined
      ? undefined
      : await startMetricsListener({ registry: observability.registry, ...config.server.metrics }).catch(
          (error: unknown) => {
            server.close();
            throw error;
          },
        );
  const url = `http://${formatHost(host)}:${(server.address() as AddressInfo).port}`;
  if (metricsListener !== undefined)
    options.print(`Metrics on ${metricsListener.url} (no key: keep this port private)`);
  options.print(`Meridian listening on ${url} (${context.catalog.models.size} models${sandbox ? ', sandbox on' : ''})`);
  for (const problem of findUnservedAliases(context.catalog)) {
    options.log.warn('alias_target_unserved', { ...problem, detail: describeUnservedAlias(problem) });
  }
  const reconciler = startReconciler(storage, options.log, {
    graceMs: config.billing.holdGraceMs ?? holdGraceMsDefault,
    intervalMs: config.billing.reconcileIntervalMs ?? reconcileIntervalMsDefault,
  });
  const holdRenewer = startHoldRenewer(storage, options.log, { liveHolds, ttlMs: context.holdTtlMs });

  let hurry = (): void => undefined;
  const hurried = new Promise<void>((resolve) => {
    hurry = resolve;
  });
  async function close(): Promise<void> {
    context.lifecycle.isDraining = true;
    // Answers not yet begun end their connection (`connection: close`): no new call arrives on it during the drain.
    for (const response of context.lifecycle.openResponses) if (!response.headersSent) response.shouldKeepAlive = false;
    clearInterval(reconciler);
    clearInterval(holdRenewer);
    clearInterval(providerRefresh);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      const drainMs = config.server.shutdownDrainMs ?? limits.shutdownDrainTimeoutMs;
      void drainCalls(context.openCalls, drainMs, hurried)
        // A call stopped at the bound still writes its answer (503 shutting_down): connections close once it is out.
        .then(() => waitUntil(() => context.lifecycle.openResponses.size === 0, limits.shutdownSettleTimeoutMs))
        .then(() => server.closeAllConnections());
    });
    await metricsListener?.close();
    await nodeWriter.close();
    sharedHealth?.close();
    await rateLimits.close();
    observability.stop();
    await upstream.close();
    await sandbox?.close();
    await retention.stop();
    await storage.close();
    await tracing.shutdown();
  }
  return { url, server, close, hurry: () => hurry() };
}

function responseCacheBounds(config: MeridianConfig): { entriesMax: number; bytesMax: number; entryBytesMax: number } {
  const { entriesMax, bytesMax } = config.cache;
  return { entriesMax, bytesMax, entryBytesMax: Math.floor(bytesMax / limits.responseCacheEntryShareDivisor) };
}

/**
 * Cluster mode's shared response cache, on the rate limiter's Redis client; undefined without Redis or when the
 * cache is off or not shared. While its breaker is open, `meridian_degraded{component="response_cache"}` is 1.
 */
function startSharedResponseCache(input: {
  readonly config: MeridianConfig;
  readonly rateLimits: NodeRateLimiter;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
}): SharedResponseCache | undefined {
  const { config, rateLimits, metrics } = input;
  if (!config.cache.isEnabled || !config.cache.isShared || rateLimits.redis === undefined) return undefined;
  metrics.setDegraded('response_cache', false);
  const shared = createSharedResponseCache({
    ...responseCacheBounds(config),
    redis: rateLimits.redis.client,
    keyPrefix: rateLimits.redis.keyPrefix,
    ttlMaxMs: config.cache.ttlSeconds * 1000,
    now: Date.now,
    // The rate limiter asks Redis first on every call: once it found Redis down, the cache does not wait on it too.
    isRedisDown: () => rateLimits.mode() === 'degraded',
    onStateChange: (state) => {
      metrics.setDegraded('response_cache', state !== 'closed');
      input.log.warn('shared_cache_state', { state });
    },
  });
  metrics.connect({ sharedCacheFailures: () => shared.failuresCount() });
  return shared;
}

/**
 * `meridian serve --check`: validates what a start would (the config, the catalog it builds, every provider and
 * model reference) without opening storage or a port; throws the same errors a start would.
 */
export function checkGatewayConfig(options: Pick<GatewayOptions, 'loaded' | 'env'>): Catalog {
  resolveTracesConfig(options.loaded.config.observability.traces, options.env);
  // A data_dir the node could not create or write stops a start; the check says so first (and creates nothing).
  assertDataDirectoryUsable(options.loaded.config.dataDirectory);
  assertDatabaseDirectoryUsable(options.loaded.config);
  // A malformed MERIDIAN_MASTER_KEYS stops a start; the check says so first.
  loadKeyring(options.env);
  // So does a key pepper that is malformed, too short or unreadable (a missing file is created at the start).
  assertPepperUsable({ env: options.env, dataDirectory: options.loaded.config.dataDirectory });
  const sandboxPlaceholder = options.loaded.config.sandbox.enabled ? 'http://127.0.0.1:1' : undefined;
  return buildGatewayCatalog(options, sandboxPlaceholder);
}

/** The catalog for this node; a config model naming an unknown provider is reported with its file position. */
function buildGatewayCatalog(
  options: Pick<GatewayOptions, 'loaded' | 'env'>,
  sandboxBaseUrl: string | undefined,
): Catalog {
  try {
    return buildCatalog({
      vendorFiles: loadVendorFiles(),
      configProviders: options.loaded.config.providers,
      configModels: options.loaded.config.models,
      env: options.env,
      sandboxBaseUrl,
      supportedProtocols,
      aliases: options.loaded.config.aliases,
    });
  } catch (error) {
    if (!(error instanceof CatalogReferenceError)) throw error;
    throw new ConfigError([
      { path: formatConfigPath(error.path), location: options.loaded.locate(error.path), message: error.message },
    ]);
  }
}

/**
 * Waits for open model calls to finish, at most `drainMs` (config `server.shutdown_drain_ms`); then stops the rest: a call
 * still waiting for its upstream is answered 503 `shutting_down` (charged nothing), a stream that started ends with an in-band
 * `shutting_down` error (each billed for what it delivered, its record written) and waits for those to settle.
 */
async function drainCalls(
  openCalls: ReadonlyMap<Promise<unknown>, (error: GatewayError) => void>,
  drainMs: number,
  hurried: Promise<void>,
): Promise<void> {
  const waitAtMost = async (ms: number, orUntil?: Promise<void>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([
      Promise.allSettled([...openCalls.keys()]),
      timeout,
      ...(orUntil === undefined ? [] : [orUntil]),
    ]);
    clearTimeout(timer);
  };
  await waitAtMost(drainMs, hurried);
  const error = new GatewayError({ code: 'shutting_down', message: 'The gateway is shutting down; retry the call.' });
  for (const stop of openCalls.values()) stop(error);
  await waitAtMost(limits.shutdownSettleTimeoutMs);
}

/** Polls `isDone` every 10 ms until it holds or `timeoutMs` passed. */
async function waitUntil(isDone: () => boolean, timeoutMs: number): Promise<void> {
  const giveUpAtMs = Date.now() + timeoutMs;
  while (!isDone() && Date.now() < giveUpAtMs) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A hold outlives any call: the deadline before the first output plus the longest stream we expect. */
export const holdTtlMsDefault = limits.upstreamTotalTimeoutMs + 60 * 60_000;
/** The reconciler expires holds this long after their TTL (settlements in flight land first). */
export const holdGraceMsDefault = 5 * 60_000;
/** How often each node's reconciler sweeps (config `billing.reconcile_interval_ms`). */
export const reconcileIntervalMsDefault = 30_000;

/**
 * Keeps the holds of this node's running calls from expiring: every third of the TTL, each is moved to now + TTL, so a
 * call longer than the TTL (a long stream) is still charged at its end, while a crashed node's holds stop being renewed
 * and expire by the reconciler's rule. A failed renewal is logged and tried again at the next tick.
 */
function startHoldRenewer(
  storage: ServingStorage,
  log: Logger,
  holds: { readonly liveHolds: ReadonlySet<string>; readonly ttlMs: number },
): NodeJS.Timeout {
  let isRunning = false;
  const run = async (): Promise<void> => {
    if (isRunning || holds.liveHolds.size === 0) return;
    isRunning = true;
    try {
      await storage.ledger.renew([...holds.liveHolds], Date.now() + holds.ttlMs);
    } catch (error) {
      log.error('hold_renewal_failed', { count: holds.liveHolds.size, error: String(error) });
    } finally {
      isRunning = false;
    }
  };
  const timer = setInterval(() => void run(), Math.max(limits.holdRenewIntervalMsMin, Math.floor(holds.ttlMs / 3)));
  timer.unref();
  return timer;
}

/** Expires holds whose call never settled (a crash mid-call): the documented rule gives the whole hold back. */
function startReconciler(
  storage: ServingStorage,
  log: Logger,
  timing: { readonly graceMs: number; readonly intervalMs: number },
): NodeJS.Timeout {
  let isRunning = false;
  const run = async (): Promise<void> => {
    if (isRunning) return;
    isRunning = true;
    try {
      // Cluster mode: every node sweeps, under an advisory lock, so a dead node's holds are expired once.
      const expired = await storage.ledger.reconcile(Date.now(), timing.graceMs);
      if (expired > 0) log.info('holds_expired', { count: expired });
    } catch (error) {
      log.error('reconcile_failed', { error: String(error) });
    } finally {
      isRunning = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), timing.intervalMs);
  timer.unref();
  return timer;
}
