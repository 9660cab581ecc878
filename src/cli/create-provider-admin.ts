import { createLiveCatalog, loadVendorFiles } from '../catalog/index.js';
import type { Catalog, ServingLiveCatalog } from '../catalog/index.js';
import type { MeridianConfig } from '../config/index.js';
import type { ProviderAdminContext } from '../http/routes/providers-route.js';
import { parseOutboundAllowList } from '../net/index.js';
import type { Logger } from '../observability/index.js';
import { loadKeyring } from '../secrets/index.js';
import type { ProviderStore, ServingPort } from '../storage/index.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The serving node's part for providers created through the API: the keyring from `MERIDIAN_MASTER_KEYS` (a
 * malformed value stops the start), the outbound allow-list, and the live catalog with the stored providers joined
 * on top of `base`. A stored provider whose key does not open is left out and logged by id, never with its key.
 */
export async function createProviderAdmin(options: {
  readonly config: MeridianConfig;
  readonly env: Env;
  readonly store: ServingPort<ProviderStore>;
  readonly base: Catalog;
  readonly log: Logger;
}): Promise<ProviderAdminContext> {
  const liveCatalog = await createLiveCatalogFor(options);
  return { liveCatalog, allowList: parseOutboundAllowList(options.config.security.outboundAllow) };
}

/** How often a cluster node re-reads the providers other nodes may have created, changed or deleted. */
export const providerRefreshIntervalMs = 10_000;

/**
 * Cluster mode: providers are shared through PostgreSQL, but each node's live catalog refreshes only on its own
 * writes; this re-reads them every {@link providerRefreshIntervalMs}. Returns the timer to clear at shutdown.
 */
export function startProviderRefresh(admin: ProviderAdminContext, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    Promise.resolve(admin.liveCatalog.refresh()).catch((error: unknown) =>
      log.warn('provider_refresh_failed', { error: String(error) }),
    );
  }, providerRefreshIntervalMs);
  timer.unref();
  return timer;
}

/**
 * The live catalog over `base` with the stored providers joined, refreshed once: what a serving node would route
 * to. The CLI (`providers list|check`) reads it without a logger; the node logs each provider left out.
 */
export async function createLiveCatalogFor(options: {
  readonly config: MeridianConfig;
  readonly env: Env;
  readonly store: ServingPort<ProviderStore>;
  readonly base: Catalog;
  readonly log?: Logger;
}): Promise<ServingLiveCatalog> {
  const reservedProviderIds = new Set([
    ...loadVendorFiles().flatMap((file) => file.providers.map((provider) => provider.id)),
    ...options.config.providers.map((provider) => provider.id),
  ]);
  const liveCatalog = createLiveCatalog({
    base: options.base,
    store: options.store,
    keyring: loadKeyring(options.env),
    reservedProviderIds,
    onProblem: ({ id, problem }) => options.log?.warn('provider_unavailable', { providerId: id, problem }),
  });
  await liveCatalog.refresh();
  return liveCatalog;
}
