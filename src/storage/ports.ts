import type { IdempotencyService } from '../idempotency/index.js';
import type { Ledger, SettleInput } from '../ledger/ledger-types.js';
import type {
  ActivityParams,
  ActivityResult,
  MeasureValue,
  RankingsParams,
  RankingsResult,
  TimeSeriesParams,
  TimeSeriesResult,
  UsageMeasure,
} from '../analytics/index.js';
/**
 * Repository interfaces used by the pipeline, keys, metering and analytics.
 * Drivers (sqlite/, postgres/) implement them; only main.ts and cli/
 * choose a driver. Money is integer nano-units (1e-9 of the settlement
 * currency) as bigint; token counts are `number | null` where null = unknown.
 */

/**
 * How a request ended, which decides what is charged (PRODUCT.md §4). `cache`: answered from the gateway's response
 * cache (charged 0, no hold, no upstream call).
 */
export type Ending = 'success' | 'no_output' | 'upstream_error_after_output' | 'client_abort' | 'error' | 'cache';

export interface GenerationRecord {
  /** Gateway generation id, `gen-…`, returned to the client as the response `id`. */
  readonly id: string;
  readonly requestId: string;
  readonly orgId: string;
  readonly keyId: string;
  /** App attribution from `HTTP-Referer` / `X-Title`; null when absent. */
  readonly appReferer: string | null;
  readonly appTitle: string | null;
  readonly modelId: string;
  readonly author: string;
  readonly origin: string;
  readonly providerId: string;
  readonly upstreamModel: string;
  readonly upstreamId: string | null;
  readonly isStreaming: boolean;
  readonly tokensInputTotal: number | null;
  readonly tokensInputCacheRead: number | null;
  readonly tokensInputCacheWrite: number | null;
  readonly tokensOutputTotal: number | null;
  readonly tokensOutputReasoning: number | null;
  readonly isUsageEstimated: boolean;
  /** What the key was charged. */
  readonly costNanos: bigint;
  /** What the upstream charges the operator. */
  readonly upstreamCostNanos: bigint;
  readonly finishReason: string | null;
  readonly finishReasonRaw: string | null;
  readonly ending: Ending;
  readonly errorCode: string | null;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly latencyMs: number;
  /** Time to first output token; null when no output. */
  readonly ttftMs: number | null;
  /** Output tokens per second after the first token; null when unknown. */
  readonly throughputTokensPerSecond: number | null;
  readonly usageRaw: string | null;
  /**
   * The call's prompt and completion, present only when its org opted in to prompt logging: stored in the same
   * transaction as the record (bounded, truncated with a marker), never when the org has logging off. Not a column.
   */
  readonly content?: GenerationContent;
  /**
   * The ledger settlement of this call (its hold → charge, release, provider costs), applied in the same
   * transaction as the record: money and record are committed together or not at all. Not a column.
   */
  readonly settlement?: SettleInput;
}

export interface GenerationStore {
  /** Appends a batch atomically (one transaction). Idempotent by `id`. */
  /** Inserts a batch in one transaction; returns the records as stored (cost = what the ledger actually charged). */
  insertGenerations(records: readonly GenerationRecord[]): readonly GenerationRecord[];
  findGeneration(id: string): GenerationRecord | undefined;
}

/**
 * Recent generations of one org (the dashboard's Activity list), and their retention: a port beside the write
 * path's store.
 */
export interface GenerationListStore {
  /** The org's latest generations, newest first (by start time, then id), at most `limit`. */
  listRecentGenerations(query: { readonly orgId: string; readonly limit: number }): readonly GenerationRecord[];
  /**
   * Deletes at most `rowsMax` generation records (each org's oldest first) that started before `cutoffMs`, with
   * any prompt log of theirs, in one transaction; returns how many records (fewer than `rowsMax` = nothing more to
   * delete now). Rollups and ledger postings are kept: the barometer and the books do not change.
   */
  purgeGenerationsBefore(cutoffMs: number, rowsMax: number): number;
}

/** A generation's prompt and completion as JSON text, for orgs that opted in to prompt logging. */
export interface GenerationContent {
  /** The canonical request's `messages`. */
  readonly promptJson: string;
  /** The choices' text and tool calls (`[{index, content: [text | tool-call parts], refusal?}]`). */
  readonly completionJson: string;
}

/** A stored {@link GenerationContent}; a field cut at `limits.promptLogBytesMax` ends with the truncation marker. */
export interface StoredGenerationContent extends GenerationContent {
  readonly generationId: string;
  readonly orgId: string;
  readonly createdAtMs: number;
  readonly isPromptTruncated: boolean;
  readonly isCompletionTruncated: boolean;
}

/** Prompts and completions of orgs that opted in; the rows are written by {@link GenerationStore.insertGenerations}. */
export interface GenerationContentStore {
  /**
   * A generation's content, or undefined when none is readable: never logged, purged, past its org's retention at
   * `nowMs`, or its org has logging off now (its rows await the purge).
   */
  findContent(generationId: string, nowMs: number): StoredGenerationContent | undefined;
  /**
   * Deletes at most `rowsMax` rows, in one transaction, that are past their org's retention at `nowMs` or whose
   * org has logging off; returns how many (fewer than `rowsMax` = nothing more to delete now).
   */
  purgeExpiredContent(nowMs: number, rowsMax: number): number;
}

/** Whether an org's prompts and completions are stored, and for how long. Off for every new org. */
export interface PromptLoggingSetting {
  readonly isEnabled: boolean;
  /** Days a stored prompt and completion are kept, 1..`limits.promptLogRetentionDaysMax`. */
  readonly retentionDays: number;
}

export interface OrgRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
  /** Markup (or, negative, discount) on upstream prices, in basis points (1 % = 100). */
  readonly markupBasisPoints: number;
  readonly promptLogging: PromptLoggingSetting;
}

/** A new org: prompt logging starts off (enabled only by an explicit setting). */
export type NewOrgRecord = Omit<OrgRecord, 'promptLogging'>;

export type KeyRole = 'admin' | 'member';

export interface KeyRecord {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly role: KeyRole;
  /** HMAC-SHA-256(pepper, secret), hex. The secret itself is never stored. */
  readonly digest: string;
  /** First characters of the secret, for listing (`sk-mer-v1-AbCd…`). */
  readonly displayPrefix: string;
  readonly lastFour: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
  /** Credit limit in nano-units per `limitReset` window (UTC); null = none. */
  readonly limitNanos: bigint | null;
  readonly limitReset: 'daily' | 'weekly' | 'monthly' | 'none';
  /** A disabled key authenticates to nothing until enabled again (unlike revocation, reversible). */
  readonly isDisabled: boolean;
  readonly expiresAtMs: number | null;
  /** Model slugs this key may call; null = any. */
  readonly allowedModels: readonly string[] | null;
  readonly rateLimits: KeyRateLimits;
}

/** What a key's secret leaves in its record. */
export type KeySecretFields = Pick<KeyRecord, 'digest' | 'displayPrefix' | 'lastFour'>;

/** Per-key rate limits; null = unlimited. */
export interface KeyRateLimits {
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
  readonly concurrencyMax: number | null;
}

/** Fields of a key an admin may change after creation. */
export interface KeyPatch {
  readonly name?: string;
  readonly isDisabled?: boolean;
  readonly limitNanos?: bigint | null;
  readonly limitReset?: KeyRecord['limitReset'];
  readonly expiresAtMs?: number | null;
  readonly allowedModels?: readonly string[] | null;
  readonly rateLimits?: Partial<KeyRateLimits>;
}

export interface KeyStore {
  insertKey(record: KeyRecord): void;
  findKeyByDigest(digest: string): KeyRecord | undefined;
  findKeyById(id: string): KeyRecord | undefined;
  listKeys(orgId: string | undefined): readonly KeyRecord[];
  revokeKey(id: string, atMs: number): boolean;
  /** Applies a patch; returns the updated record, or undefined for an unknown key. */
  updateKey(id: string, patch: KeyPatch): KeyRecord | undefined;
  /**
   * Gives a live key a new secret (rotation): its digest and display fields change, everything else (id, settings,
   * spend, limits' windows) stays. Returns the updated record, or undefined for an unknown or revoked key.
   */
  replaceSecret(id: string, secret: KeySecretFields): KeyRecord | undefined;
  countKeysByRole(role: KeyRole): number;
}

export interface OrgStore {
  /** Creates the org if absent; returns whether it was created. */
  ensureOrg(record: NewOrgRecord): boolean;
  findOrg(id: string): OrgRecord | undefined;
  listOrgs(): readonly OrgRecord[];
  setMarkup(id: string, markupBasisPoints: number): boolean;
  /** Renames the org; false for an unknown org. */
  setName(id: string, name: string): boolean;
  /** Replaces the org's prompt-logging setting; false for an unknown org. Turning it off hides the org's content at once. */
  setPromptLogging(id: string, setting: PromptLoggingSetting): boolean;
  /**
   * Whether the model-call pipeline should capture this org's content: answered from memory, refreshed by this
   * store's own writes at once and from storage at most every `limits.promptLogSettingCacheTtlMs` (another process's
   * change). The insert re-checks the stored setting, so a stale `true` never stores content.
   */
  isPromptLoggingEnabled(id: string): boolean;
}

/** The storage a node opens at start. */
/** Prepaid credit codes an operator sells; each pays out once. */
export interface CreditCodeStore {
  /** Creates `count` codes worth `amount` each; the codes are returned once and stored only as digests. */
  createCodes(amount: bigint, count: number, nowMs: number): readonly string[];
  /** Grants the code's amount to the org; undefined when the code is unknown or already redeemed. */
  redeemCode(code: string, orgId: string, nowMs: number): bigint | undefined;
}

/** Prices of a model served by an API-managed provider: decimal strings per 1M tokens, as published. */
export interface ProviderModelPricing {
  readonly prompt: string;
  readonly completion: string;
  readonly cacheRead?: string;
  readonly cacheWrite?: string;
  /** Cache writes with a 1-hour lifetime (Anthropic `ttl: "1h"`), when priced apart from `cacheWrite`. */
  readonly cacheWrite1h?: string;
  readonly reasoning?: string;
}

/** One model an admin declared for an API-managed provider (an endpoint of that model). */
export interface ProviderModelRecord {
  /** Public slug `author/model`. */
  readonly id: string;
  readonly name: string;
  readonly author: string;
  /** ISO country of the model's author. */
  readonly origin: string;
  readonly contextLength: number;
  /** The upstream's own model name. */
  readonly upstreamModel: string;
  readonly pricing: ProviderModelPricing;
  readonly maxOutputTokens: number | null;
}

/** A provider's API key as stored: sealed (src/secrets/), never in plain text. */
export interface SealedApiKey {
  /** `v1:<keyId>:…`, bound to the purpose `provider:<id>`. */
  readonly sealed: string;
  /** The master key id it is sealed under (also inside `sealed`), for listings and rotation. */
  readonly keyId: string;
  /** The key's last four characters, to recognise it; null when the key is too short to show any of it. */
  readonly lastFour: string | null;
}

/** A provider an admin created through the API (`POST /api/v1/providers`). */
export interface ProviderRecord {
  readonly id: string;
  readonly protocol: 'openai' | 'anthropic' | 'gemini';
  /** Normalised by the URL parser and checked by the SSRF guard when written. */
  readonly baseUrl: string;
  /** Null for a keyless provider. */
  readonly apiKey: SealedApiKey | null;
  readonly models: readonly ProviderModelRecord[];
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** What an admin may replace on an API-managed provider; absent fields keep their value. */
export interface ProviderPatch {
  readonly baseUrl?: string;
  readonly apiKey?: SealedApiKey | null;
  readonly models?: readonly ProviderModelRecord[];
}

export interface ProviderStore {
  /** Inserts a provider; false when the id is taken. */
  insertProvider(record: ProviderRecord): boolean;
  findProvider(id: string): ProviderRecord | undefined;
  /** Every stored provider, oldest first. */
  listProviders(): readonly ProviderRecord[];
  /** Applies a patch; returns the updated record, or undefined for an unknown id. */
  updateProvider(id: string, patch: ProviderPatch, atMs: number): ProviderRecord | undefined;
  deleteProvider(id: string): boolean;
  /**
   * Writes re-sealed keys (`meridian secrets rotate`) in one transaction, each only if the row still holds
   * `previousSealed` (a key replaced meanwhile through the API is not overwritten). Returns how many were written.
   */
  replaceSealedKeys(
    updates: readonly {
      readonly id: string;
      readonly previousSealed: string;
      readonly sealed: string;
      readonly keyId: string;
    }[],
  ): number;
}

/** The barometer's queries over the usage rollups (src/analytics/), bound to this store. */
export interface AnalyticsStore {
  rankings<M extends UsageMeasure>(params: RankingsParams<M>): RankingsResult<MeasureValue<M>>;
  timeSeries<M extends UsageMeasure>(params: TimeSeriesParams<M>): TimeSeriesResult<MeasureValue<M>>;
  activity(params: ActivityParams): ActivityResult;
}

export interface Storage {
  readonly driver: 'sqlite';
  readonly analytics: AnalyticsStore;
  readonly ledger: Ledger;
  readonly creditCodes: CreditCodeStore;
  /** Stored results of `Idempotency-Key` requests (replayed for 24 h). */
  readonly idempotency: IdempotencyService;
  readonly generations: GenerationStore;
  /** Opted-in orgs' prompts and completions (read and purge; written with the generations). */
  readonly generationContent: GenerationContentStore;
  readonly generationList: GenerationListStore;
  readonly keys: KeyStore;
  readonly orgs: OrgStore;
  /** Providers created through the management API (their keys sealed). */
  readonly providers: ProviderStore;
  /** Throws when the store cannot answer (readiness checks). */
  ping(): void;
  close(): void;
}

/** A value now (the SQLite driver) or later (the PostgreSQL driver, whose every answer is a network round trip). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A port as the serving path calls it: each method may answer at once or through a promise, and every call site
 * awaits. The synchronous SQLite ports and the asynchronous PostgreSQL ports both satisfy it, so one pipeline runs
 * on either driver (ADR 2026-11-30-cluster-storage).
 */
export type ServingPort<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => MaybePromise<Awaited<R>>
    : never;
};

/** {@link AnalyticsStore} with answers now or later; spelled out because its methods are generic in the measure. */
export interface ServingAnalyticsStore {
  rankings<M extends UsageMeasure>(params: RankingsParams<M>): MaybePromise<RankingsResult<MeasureValue<M>>>;
  timeSeries<M extends UsageMeasure>(params: TimeSeriesParams<M>): MaybePromise<TimeSeriesResult<MeasureValue<M>>>;
  activity(params: ActivityParams): MaybePromise<ActivityResult>;
}

/** The ledger as the serving path calls it (the batching hooks belong to the SQLite driver's own writer). */
export type ServingLedger = ServingPort<Omit<Ledger, 'withPendingWritten' | 'flushPending'>>;

/** The storage a serving node uses, on either driver: {@link Storage} (SQLite) is one, the PostgreSQL storage another. */
export interface ServingStorage {
  readonly driver: 'sqlite' | 'postgres';
  readonly analytics: ServingAnalyticsStore;
  readonly ledger: ServingLedger;
  readonly creditCodes: ServingPort<CreditCodeStore>;
  readonly idempotency: IdempotencyService;
  readonly generations: ServingPort<GenerationStore>;
  readonly generationContent: ServingPort<GenerationContentStore>;
  readonly generationList: ServingPort<GenerationListStore>;
  readonly keys: ServingPort<KeyStore>;
  readonly orgs: ServingPort<OrgStore>;
  readonly providers: ServingPort<ProviderStore>;
  /** Throws (or rejects) when the store cannot answer (readiness checks). */
  ping(): MaybePromise<void>;
  close(): MaybePromise<void>;
}
