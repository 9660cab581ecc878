import { z } from 'zod';
import { modelEntrySchema, priceStringSchema, providerEntrySchema } from '../catalog/catalog-schema.js';
import { parseCidr, parseOutboundAllowList } from '../net/index.js';
import { clusterConfigSchema } from './cluster-schema.js';
import { limits } from './limits.js';

/** An org's id (also as a key's `org`); exported for the cross-reference checks (check-config-references.ts). */
export const kebabId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, -)');
/** A key's name in the file. */
export const keyNameSchema = z.string().min(1);
/** `storage.redis`: PRODUCT.md's way of naming the Redis server. */
export const storageRedisSchema = z
  .string()
  .regex(/^rediss?:\/\/.+/, 'must be redis://…')
  .optional();
/** An empty string (an unset `${VAR}`) means "not set". */
const optionalSecret = z
  .string()
  .refine((value) => value === '' || value.length >= 20, 'must be at least 20 characters (or empty to generate one)')
  .optional();

/** Entries in `security.outbound_allow`; a longer list is a mistake, not a policy. */

/** Each allow-list entry parsed as the guard will read it, so a typo stops the start with the entry's line. */
function checkAllowEntries(entries: readonly string[], context: z.RefinementCtx): void {
  entries.forEach((entry, index) => {
    try {
      parseOutboundAllowList([entry]);
    } catch (error) {
      const prefix = `security.outbound_allow[0] "${entry}": `;
      const message = error instanceof Error ? error.message : String(error);
      context.addIssue({
        code: 'custom',
        path: [index],
        message: message.startsWith(prefix) ? message.slice(prefix.length) : message,
      });
    }
  });
}

/** Entries in `server.trusted_proxies`; a proxy tier needs a handful of blocks. */

/** Each trusted proxy is an address or CIDR block (`10.0.0.0/8`, `::1`), strict as parse-cidr reads it. */
const trustedProxyEntry = z
  .string()
  .refine(
    (entry) => parseCidr(entry) !== undefined,
    'must be an IP address or CIDR block (IPv4 in dotted decimal, no host bits past the prefix)',
  );

/** The file's shape (PRODUCT.md §2), snake_case as written; every section optional. */
export const configFileSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8787),
      /** On SIGTERM, how long open streams may run before they are ended with an in-band error (default 10 s). */
      shutdown_drain_ms: z.number().int().nonnegative().max(3_600_000).optional(),
      /** Reverse proxies whose `x-forwarded-for` / `x-forwarded-proto` are believed (default none: the socket peer). */
      trusted_proxies: z.array(trustedProxyEntry).max(limits.trustedProxiesCountMax).default([]),
      /** A second port serving only `GET /metrics`, without a key (default: none; /metrics needs the admin key). */
      metrics_port: z.number().int().min(0).max(65_535).optional(),
      /** The address of that port (default: `host`). */
      metrics_host: z.string().min(1).optional(),
    })
    .prefault({}),
  storage: z
    .strictObject({
      url: z
        .string()
        .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://…')
        .default('sqlite:./data/meridian.db'),
      /**
       * SQLite commits: `full` fsyncs every (group) commit, so settled money survives power loss (RELIABILITY.md
       * decision 9); `normal` survives a process crash only and costs less CPU per commit.
       */
      sqlite_synchronous: z.enum(['full', 'normal']).default('full'),
      /**
       * SQLite: free bytes the database's disk must keep; below, model calls get 503 `ledger_unavailable` before any
       * upstream request (0: not checked; a failed write still stops calls until a probe write succeeds).
       */
      sqlite_free_bytes_min: z
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .default(limits.sqliteFreeBytesMinDefault),
      /**
       * Days a generation record is kept (its prompt log, if any, goes with it); absent: kept forever. Rollups and
       * ledger postings are kept either way. At least 7: a settlement replayed from a node's journal must still find
       * its record.
       */
      generation_retention_days: z
        .number()
        .int()
        .min(limits.generationRetentionDaysMin)
        .max(limits.generationRetentionDaysMax)
        .optional(),
      redis: storageRedisSchema,
    })
    .prefault({}),
  admin: z.strictObject({ key: optionalSecret }).prefault({}),
  billing: z
    .strictObject({
      currency: z.literal('USD', { error: 'only USD is supported for now' }).default('USD'),
      /** How long a hold may stay unsettled before the reconciler gives it back (default: longer than any call). */
      hold_ttl_ms: z.number().int().positive().optional(),
      /** Extra time after the TTL before the reconciler acts (default 5 min). */
      hold_grace_ms: z.number().int().nonnegative().optional(),
      /** How often each node's reconciler sweeps for expired holds (default 30 s). */
      reconcile_interval_ms: z.number().int().min(100).max(3_600_000).optional(),
    })
    .prefault({}),
  providers: z.array(providerEntrySchema).default([]),
  models: z.array(modelEntrySchema).default([]),
  orgs: z
    .array(
      z.strictObject({
        id: kebabId,
        name: z.string().optional(),
        credits: priceStringSchema.optional(),
        /**
         * Opt-in storage of the org's prompts and completions (docs/security.md). When written, applied at every
         * start (the file wins over the API); when absent, the stored setting (default off) is left alone.
         */
        prompt_logging: z
          .strictObject({
            enabled: z.boolean(),
            retention_days: z.number().int().min(1).max(limits.promptLogRetentionDaysMax).default(30),
          })
          .optional(),
      }),
    )
    .default([]),
  keys: z
    .array(
      z.strictObject({
        org: kebabId,
        name: keyNameSchema,
        key: optionalSecret,
        limit: priceStringSchema.optional(),
        limit_reset: z.enum(['daily', 'weekly', 'monthly', 'none']).default('none'),
      }),
    )
    .default([]),
  sandbox: z
    .strictObject({ enabled: z.boolean().default(true), latency_scale: z.number().min(0).max(100).default(1) })
    .prefault({}),
  dashboard: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  /** The usage barometer (`GET /api/v1/rankings`). */
  barometer: z
    .strictObject({
      /** Rankings of every org without a key (the public page); else an admin key sees all, a member its org. */
      public: z.boolean().default(false),
      /** Apps with fewer requests in the period are folded into "others" on the public view. */
      min_app_requests: z.number().int().nonnegative().max(1_000_000).default(10),
    })
    .prefault({}),
  /**
   * The gateway's response cache (docs/response-cache.md): off unless enabled here, and then used only by calls that
   * ask for it with `x-meridian-cache: true`. A hit is answered from this node's memory, or in cluster mode from Redis,
   * and charged 0 (PRODUCT.md §4).
   */
  cache: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** How long an answer is served; a call may ask for less with `x-meridian-cache-ttl` (seconds). */
      ttl_seconds: z
        .number()
        .int()
        .min(1)
        .max(limits.responseCacheTtlSecondsMax)
        .default(limits.responseCacheTtlSecondsDefault),
      /** Answers kept; past it, the least recently used goes. */
      max_entries: z
        .number()
        .int()
        .min(1)
        .max(limits.responseCacheEntriesMax)
        .default(limits.responseCacheEntriesDefault),
      /** Bytes of answers kept (the length of each answer's JSON); past it, the least recently used go. */
      max_bytes: z.number().int().min(1024).max(limits.responseCacheBytesMax).default(limits.responseCacheBytesDefault),
      /**
       * Cluster mode: answers are also kept in Redis, so a call can hit an answer another node stored (the bounds above
       * then also hold for Redis as a whole). Default: true when Redis is configured; true without Redis is an error.
       */
      shared: z.boolean().optional(),
    })
    .prefault({}),
  /** Routing-wide settings; per-provider timeouts live on each provider entry. */
  routing: z
    .strictObject({
      /** Longest time from a call's start to its first output, across every attempt (default limits.upstreamTotalTimeoutMs). */
      deadline_ms: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Outbound policy for URLs that arrive through the API (providers created with POST /api/v1/providers). */
  security: z
    .strictObject({
      /**
       * Destinations such URLs may reach beyond public addresses: CIDR blocks (`10.0.0.0/8`), addresses with a
       * port (`127.0.0.1:11434`), host names with or without a port (`ollama.internal:11434`). Base URLs written
       * in this file are trusted as written and need no entry.
       */
      outbound_allow: z
        .array(z.string())
        .max(limits.outboundAllowEntriesMax)
        .default([])
        .superRefine(checkAllowEntries),
    })
    .prefault({}),
  ...clusterConfigSchema.shape,
  /** Telemetry export (docs/operations.md): OpenTelemetry traces over OTLP/HTTP; absent → no SDK is loaded. */
  observability: z
    .strictObject({
      traces: z
        .strictObject({
          /** e.g. `http://collector:4318/v1/traces`; empty (an unset `${VAR}`) = not set (the OTEL_* variables apply). */
          otlp_endpoint: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional(),
          /** `service.name` on every span (default `OTEL_SERVICE_NAME`, else `meridian`). */
          service_name: z.string().min(1).max(256).optional(),
          /** Share of calls traced, 0–1 (default 1); a call's attempts and settlement follow its decision. */
          sample_ratio: z.number().min(0).max(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  data_dir: z.string().min(1).default('./data'),
  /** Extra model names clients may send (e.g. a bare `gpt-4o-mini` hard-coded in a tool) → catalog slug. */
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
