import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ModelEntry, ProviderEntry } from '../catalog/catalog-schema.js';
import type { z } from 'zod';
import { checkConfigReferences } from './check-config-references.js';
import { configFileSchema } from './config-schema.js';
import type { ConfigFile } from './config-schema.js';
import { interpolateEnv } from './interpolate-env.js';
import { typeVariableValues } from './type-variable-values.js';

/** The validated configuration with defaults applied and paths resolved. */
export interface MeridianConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly shutdownDrainMs: number | undefined;
    /** Addresses and CIDR blocks of reverse proxies whose forwarding headers are believed (validated). */
    readonly trustedProxies: readonly string[];
    /** `metrics_port` / `metrics_host`: a listener serving only `GET /metrics` without a key; absent: none. */
    readonly metrics: { readonly host: string; readonly port: number } | undefined;
  };
  readonly storage: {
    readonly url: string;
    readonly redis: string | undefined;
    readonly sqliteSynchronous: 'full' | 'normal';
    /** Free bytes the SQLite database's disk must keep before model calls are refused (0: not checked). */
    readonly sqliteFreeBytesMin: number;
    /** Days a generation record is kept; undefined: forever. */
    readonly generationRetentionDays: number | undefined;
  };
  readonly admin: { readonly key: string | undefined };
  readonly billing: {
    readonly currency: 'USD';
    readonly holdTtlMs: number | undefined;
    readonly holdGraceMs: number | undefined;
    readonly reconcileIntervalMs: number | undefined;
  };
  readonly providers: readonly ProviderEntry[];
  readonly models: readonly ModelEntry[];
  readonly orgs: readonly {
    readonly id: string;
    readonly name: string | undefined;
    readonly credits: string | undefined;
    /** Applied at every start when written; undefined = leave the stored setting alone. */
    readonly promptLogging?: { readonly isEnabled: boolean; readonly retentionDays: number } | undefined;
  }[];
  readonly keys: readonly {
    readonly org: string;
    readonly name: string;
    readonly key: string | undefined;
    readonly limit: string | undefined;
    readonly limitReset: 'daily' | 'weekly' | 'monthly' | 'none';
  }[];
  readonly sandbox: { readonly enabled: boolean; readonly latencyScale: number };
  readonly routing: { readonly deadlineMs: number | undefined };
  /** `cache`: the response cache (docs/response-cache.md); off by default, opt-in per call when on. */
  readonly cache: {
    readonly isEnabled: boolean;
    readonly ttlSeconds: number;
    readonly entriesMax: number;
    readonly bytesMax: number;
    /** Shared through Redis (cluster mode): `cache.shared`, true by default when Redis is configured. */
    readonly isShared: boolean;
  };
  /** `security.outbound_allow`: what URLs from the API may reach beyond public addresses (src/net/). */
  readonly security: { readonly outboundAllow: readonly string[] };
  readonly dashboard: { readonly enabled: boolean };
  /** `observability.traces` as written (the environment fills gaps: `src/observability/tracing/`). */
  readonly observability: {
    readonly traces: {
      readonly otlpEndpoint: string | undefined;
      readonly serviceName: string | undefined;
      readonly sampleRatio: number | undefined;
    };
  };
  readonly barometer: { readonly isPublic: boolean; readonly minAppRequests: number };
  /** Cluster mode's shared pieces (docs/cluster.md): Redis for global rate limits; this node's name. */
  readonly cluster: {
    readonly redis:
      { readonly url: string; readonly keyPrefix: string; readonly commandTimeoutMs: number | undefined } | undefined;
    readonly nodeId: string | undefined;
    readonly nodesExpected: number | undefined;
  };
  /** Model name → catalog slug. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Absolute directory for local state (key pepper, SQLite by default). */
  readonly dataDirectory: string;
  /** Directory relative paths are resolved against: the config file's, or the working directory. */
  readonly baseDirectory: string;
}

export interface LoadConfigOptions {
  /** Explicit path (--config); else MERIDIAN_CONFIG; else ./meridian.yaml if present; else defaults. */
  readonly path?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The built-in catalog's provider ids: with them, a model naming an unknown provider is reported with the rest. */
  readonly builtInProviderIds?: ReadonlySet<string>;
}

export interface LoadedConfig {
  readonly config: MeridianConfig;
  readonly sourcePath: string | undefined;
  /** `file:line:column` of a config path, for error messages. */
  locate(path: readonly (string | number)[], isKey?: boolean): string | undefined;
}

export interface ConfigIssue {
  readonly path: string;
  readonly location: string | undefined;
  readonly message: string;
}

/** Invalid configuration: every issue, each with its key path and file position. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((issue) => `  ${issue.location ?? '(config)'}: ${issue.path}: ${issue.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Renders a path as `providers[0].base_url`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`,
    '',
  );
}

/**
 * Loads, interpolates (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`, `$${` escape)
 * and validates the config file. With no file, every default applies.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const sourcePath = findConfigPath(options);
  if (sourcePath === undefined) {
    return { config: resolveConfig(configFileSchema.parse({}), options.cwd), sourcePath, locate: () => undefined };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(readConfigText(sourcePath), { lineCounter, prettyErrors: false });
  const locateOffset = (offset: number): string => {
    const position = lineCounter.linePos(offset);
    return `${sourcePath}:${position.line}:${position.col}`;
  };
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        path: '(yaml)',
        location: locateOffset(error.pos[0]),
        message: error.message.split('\n')[0] ?? 'syntax error',
      })),
    );
  }
  const locate = (path: readonly (string | number)[], isKey = false): string | undefined => {
    const node = findNode(document.contents, path, isKey);
    return node?.range === undefined || node.range === null ? undefined : locateOffset(node.range[0]);
  };
  const written = readDocumentValue(document, locateOffset(0));
  const interpolated = interpolateEnv(written, options.env);
  const variableIssues = interpolated.issues.map((issue) => ({
    path: formatConfigPath(issue.path),
    location: locate(issue.path),
    message: issue.message,
  }));
  const { parsed, value } = parseConfigValue(interpolated.value, written);
  // A required variable left unset is reported once, not again as the empty value the schema then refuses.
  const unsetPaths = new Set(variableIssues.map((issue) => issue.path));
  const schemaIssues = (
    parsed.success ? [] : parsed.error.issues.map((issue) => readSchemaIssue(issue, locate))
  ).filter((issue) => !unsetPaths.has(issue.path));
  // In the same pass: a file with a typo and a key of an unknown org says both at once.
  const referenceIssues = checkConfigReferences(value, options.builtInProviderIds).map((issue) => ({
    ...issue,
    path: formatConfigPath(issue.path),
    location: locate(issue.path),
  }));
  const issues = [...variableIssues, ...schemaIssues, ...referenceIssues];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  return { config: resolveConfig(parsed.data, dirname(sourcePath)), sourcePath, locate };
}

/** Validates the interpolated file; where a variable stands for a number or a boolean, again with it typed. */
function parseConfigValue(
  interpolated: unknown,
  written: unknown,
): { readonly parsed: ReturnType<typeof configFileSchema.safeParse>; readonly value: unknown } {
  const first = configFileSchema.safeParse(interpolated);
  if (first.success) return { parsed: first, value: interpolated };
  const value = typeVariableValues(interpolated, written, first.error.issues);
  return value === interpolated ? { parsed: first, value } : { parsed: configFileSchema.safeParse(value), value };
}

/** Redis is configured: by `storage.redis` or `redis.url` (`checkConfigReferences` checks they agree). */
function hasRedisUrl(file: ConfigFile): boolean {
  return file.storage.redis !== undefined || file.redis?.url !== undefined;
}

/** The file's text; a path that cannot be read (a folder, no permission) is a config error naming it. */
function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new ConfigError([
      { path: '(file)', location: undefined, message: `config file ${path} cannot be read (${reason})` },
    ]);
  }
}

/**
 * The file's value. The YAML library refuses aliases that would expand it past its bound (a "billion laughs" file):
 * that is a config error like a syntax error, not a crash without a file name.
 */
function readDocumentValue(document: Document, location: string): unknown {
  try {
    return document.toJS() ?? {};
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '(yaml)', location, message }]);
  }
}

/** A zod issue with its dotted path and file position (an unknown key is located at the key itself). */
function readSchemaIssue(issue: z.core.$ZodIssue, locate: LoadedConfig['locate']): ConfigIssue {
  const isUnknownKey = issue.code === 'unrecognized_keys';
  const path = (isUnknownKey ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path).filter(
    (part): part is string | number => typeof part !== 'symbol',
  );
  // A file that is not a mapping at all (a list, a bare word) has no key to name.
  const text = path.length === 0 ? '(file)' : formatConfigPath(path);
  return { path: text, location: locate(path, isUnknownKey), message: issue.message };
}

function findConfigPath(options: LoadConfigOptions): string | undefined {
  const explicit = options.path ?? nonEmpty(options.env['MERIDIAN_CONFIG']);
  if (explicit !== undefined) {
    const path = resolve(options.cwd, explicit);
    if (!existsSync(path))
      throw new ConfigError([{ path: '(file)', location: undefined, message: `config file ${path} does not exist` }]);
    return path;
  }
  const fallback = resolve(options.cwd, 'meridian.yaml');
  return existsSync(fallback) ? fallback : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The YAML node at `path` (the key itself when `isKey`), or the deepest existing ancestor. */
function findNode(root: unknown, path: readonly (string | number)[], isKey: boolean): Node | undefined {
  let node: unknown = root;
  let found: Node | undefined = isScalar(root) || isMap(root) || isSeq(root) ? root : undefined;
  for (const [depth, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair === undefined) return found;
      if (isKey && depth === path.length - 1) return pair.key as Node;
      node = pair.value;
      found = (pair.value as Node | null) ?? (pair.key as Node);
      if (pair.value === null) return pair.key as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) return found;
      found = node as Node;
    } else {
      return found;
    }
  }
  return found;
}

function resolveConfig(file: ConfigFile, baseDirectory: string): MeridianConfig {
  return {
    server: {
      host: file.server.host,
      port: file.server.port,
      shutdownDrainMs: file.server.shutdown_drain_ms,
      trustedProxies: file.server.trusted_proxies,
      metrics:
        file.server.metrics_port === undefined
          ? undefined
          : { host: file.server.metrics_host ?? file.server.host, port: file.server.metrics_port },
    },
    storage: {
      url: file.storage.url,
      redis: file.storage.redis,
      sqliteSynchronous: file.storage.sqlite_synchronous,
      sqliteFreeBytesMin: file.storage.sqlite_free_bytes_min,
      generationRetentionDays: file.storage.generation_retention_days,
    },
    admin: { key: nonEmpty(file.admin.key) },
    billing: {
      currency: file.billing.currency,
      holdTtlMs: file.billing.hold_ttl_ms,
      holdGraceMs: file.billing.hold_grace_ms,
      reconcileIntervalMs: file.billing.reconcile_interval_ms,
    },
    providers: file.providers,
    models: file.models,
    orgs: file.orgs.map((org) => ({
      id: org.id,
      name: org.name,
      credits: org.credits,
      promptLogging:
        org.prompt_logging === undefined
          ? undefined
          : { isEnabled: org.prompt_logging.enabled, retentionDays: org.prompt_logging.retention_days },
    })),
    keys: file.keys.map((key) => ({
      org: key.org,
      name: key.name,
      key: nonEmpty(key.key),
      limit: key.limit,
      limitReset: key.limit_reset,
    })),
    sandbox: { enabled: file.sandbox.enabled, latencyScale: file.sandbox.latency_scale },
    routing: { deadlineMs: file.routing.deadline_ms },
    cache: {
      isEnabled: file.cache.enabled,
      ttlSeconds: file.cache.ttl_seconds,
      entriesMax: file.cache.max_entries,
      bytesMax: file.cache.max_bytes,
      isShared: file.cache.shared ?? hasRedisUrl(file),
    },
    security: { outboundAllow: file.security.outbound_allow },
    dashboard: file.dashboard,
    observability: {
      traces: {
        otlpEndpoint: nonEmpty(file.observability.traces.otlp_endpoint),
        serviceName: file.observability.traces.service_name,
        sampleRatio: file.observability.traces.sample_ratio,
      },
    },
    barometer: { isPublic: file.barometer.public, minAppRequests: file.barometer.min_app_requests },
    cluster: resolveCluster(file),
    aliases: file.aliases,
    dataDirectory: isAbsolute(file.data_dir) ? file.data_dir : resolve(baseDirectory, file.data_dir),
    baseDirectory,
  };
}

/** `sqlite:<path>` → absolute path (`:memory:` kept); undefined for PostgreSQL URLs. */
export function resolveSqlitePath(url: string, baseDirectory: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' || isAbsolute(path) ? path : resolve(baseDirectory, path);
}

/** Redis is named by `storage.redis` or `redis.url` (`checkConfigReferences` has refused two servers, or none). */
function resolveCluster(file: ConfigFile): MeridianConfig['cluster'] {
  const url = file.redis?.url ?? file.storage.redis;
  return {
    redis:
      url === undefined
        ? undefined
        : {
            url,
            keyPrefix: file.redis?.key_prefix ?? 'meridian:',
            commandTimeoutMs: file.redis?.command_timeout_ms,
          },
    nodeId: file.cluster.node_id,
    nodesExpected: file.cluster.nodes_expected,
  };
}
