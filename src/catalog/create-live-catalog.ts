import { openSecret, SecretError } from '../secrets/index.js';
import type { Keyring, SecretErrorCode } from '../secrets/index.js';
import type { MaybePromise, ProviderRecord, ProviderStore, ServingPort } from '../storage/index.js';
import type { Catalog } from './catalog-types.js';
import { joinApiProviders } from './join-api-providers.js';
import type { OpenedApiProvider } from './join-api-providers.js';

/**
 * Why a stored API-managed provider is not serving: its key is sealed but no keyring is configured, the key did
 * not open (a SecretError code), or the operator's config or built-in catalog now uses its id.
 */
export type ApiProviderProblem = 'secrets_unavailable' | SecretErrorCode | 'id_taken_by_operator';

export interface LiveCatalog {
  /**
   * The catalog requests read: one stable object whose fields always show the latest build, so everything holding
   * it (the app context, routing) sees a rebuild at once. Each field is an immutable map: a request that reads a
   * field mid-rebuild sees one whole build of it, and a call already routed finishes on the endpoint it chose.
   */
  readonly catalog: Catalog;
  /** The master keys that seal and open provider keys; undefined when `MERIDIAN_MASTER_KEYS` is not set. */
  readonly keyring: Keyring | undefined;
  /** Whether the operator's config file or the built-in catalog defines a provider with this id. */
  isReservedId(id: string): boolean;
  /** Re-reads the stored providers, opens their keys and makes the joined catalog current. */
  refresh(): void;
  /** Why a stored provider is left out of the catalog since the last refresh; undefined when it serves. */
  problemOf(id: string): ApiProviderProblem | undefined;
}

/**
 * A live catalog over a store that may answer through promises (PostgreSQL): `refresh` then resolves once the
 * re-read providers are current. The synchronous {@link LiveCatalog} is one too.
 */
export interface ServingLiveCatalog extends Omit<LiveCatalog, 'refresh'> {
  /** Re-reads the stored providers, opens their keys and makes the joined catalog current (now, or on resolving). */
  refresh(): MaybePromise<void>;
}

export interface LiveCatalogOptions<S = ProviderStore> {
  /** The operator's catalog (built-in data + config file), built once at start. */
  readonly base: Catalog;
  readonly store: S;
  readonly keyring: Keyring | undefined;
  /** Every provider id of the config file and the built-in catalog, enabled or not. */
  readonly reservedProviderIds: ReadonlySet<string>;
  /** Told about each provider left out (for the log); never given a key. */
  readonly onProblem?: (problem: { readonly id: string; readonly problem: ApiProviderProblem }) => void;
}

/**
 * The node's catalog made rebuildable: the operator's part stays as built at start; providers created through
 * the API are joined on top at start and again after every create, update or delete (`refresh`). A provider
 * whose key does not open is left out and reported, never called without its key (fail closed).
 *
 * Over a synchronous store (SQLite) `refresh` is done when it returns; over a store that answers through promises
 * (PostgreSQL) it returns a promise, and a listing that resolves after a later one's is dropped as stale.
 */
export function createLiveCatalog(options: LiveCatalogOptions): LiveCatalog;
export function createLiveCatalog(options: LiveCatalogOptions<ServingPort<ProviderStore>>): ServingLiveCatalog;
export function createLiveCatalog(options: LiveCatalogOptions<ServingPort<ProviderStore>>): ServingLiveCatalog {
  let current = options.base;
  let problems = new Map<string, ApiProviderProblem>();
  let refreshesStarted = 0;
  let refreshApplied = 0;
  const catalog: Catalog = {
    get models() {
      return current.models;
    },
    get providers() {
      return current.providers;
    },
    get knownModelIds() {
      return current.knownModelIds;
    },
    get aliases() {
      return current.aliases;
    },
    get passthroughProviders() {
      return current.passthroughProviders;
    },
  };
  function refresh(): MaybePromise<void> {
    refreshesStarted += 1;
    const refreshNumber = refreshesStarted;
    const listed = options.store.listProviders();
    return listed instanceof Promise
      ? listed.then((records) => apply(records, refreshNumber))
      : apply(listed, refreshNumber);
  }
  function apply(records: readonly ProviderRecord[], refreshNumber: number): void {
    // Over a store that answers later, an older listing can arrive after a newer one was applied: it is stale.
    if (refreshNumber < refreshApplied) return;
    refreshApplied = refreshNumber;
    const opened: OpenedApiProvider[] = [];
    const found = new Map<string, ApiProviderProblem>();
    for (const record of records) {
      const apiKey = openApiKey(record, options.keyring);
      if (typeof apiKey === 'object') found.set(record.id, apiKey.problem);
      else opened.push({ ...record, apiKey });
    }
    const joined = joinApiProviders(options.base, opened);
    for (const id of joined.shadowedIds) found.set(id, 'id_taken_by_operator');
    current = joined.catalog;
    problems = found;
    for (const [id, problem] of found) options.onProblem?.({ id, problem });
  }
  return {
    catalog,
    keyring: options.keyring,
    isReservedId: (id) => options.reservedProviderIds.has(id),
    refresh,
    problemOf: (id) => problems.get(id),
  };
}

/** The plain key (undefined for a keyless provider), or why it cannot be had. */
function openApiKey(
  record: ProviderRecord,
  keyring: Keyring | undefined,
): string | undefined | { readonly problem: ApiProviderProblem } {
  if (record.apiKey === null) return undefined;
  if (keyring === undefined) return { problem: 'secrets_unavailable' };
  try {
    return openSecret(record.apiKey.sealed, { keyring, purpose: providerSecretPurpose(record.id) });
  } catch (error) {
    if (error instanceof SecretError) return { problem: error.code };
    throw error;
  }
}

/** The purpose a provider's key is sealed for: a sealed key copied to another provider's row does not open. */
export function providerSecretPurpose(providerId: string): string {
  return `provider:${providerId}`;
}
