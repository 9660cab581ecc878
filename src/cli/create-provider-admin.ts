import { createLiveCatalog, loadVendorFiles } from '../catalog/index.js';
import type { Catalog, LiveCatalog } from '../catalog/index.js';
import type { MeridianConfig } from '../config/index.js';
import type { ProviderAdminContext } from '../http/routes/providers-route.js';
import { parseOutboundAllowList } from '../net/index.js';
import type { Logger } from '../observability/index.js';
import { loadKeyring } from '../secrets/index.js';
import type { ProviderStore } from '../storage/index.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The serving node's part for providers created through the API: the keyring from `MERIDIAN_MASTER_KEYS` (a
 * malformed value stops the start), the outbound allow-list, and the live catalog with the stored providers joined
 * on top of `base`. A stored provider whose key does not open is left out and logged by id, never with its key.
 */
export function createProviderAdmin(options: {
  readonly config: MeridianConfig;
  readonly env: Env;
  readonly store: ProviderStore;
  readonly base: Catalog;
  readonly log: Logger;
}): ProviderAdminContext {
  const liveCatalog = createLiveCatalogFor(options);
  return { liveCatalog, allowList: parseOutboundAllowList(options.config.security.outboundAllow) };
}

/**
 * The live catalog over `base` with the stored providers joined, refreshed once: what a serving node would route
 * to. The CLI (`providers list|check`) reads it without a logger; the node logs each provider left out.
 */
export function createLiveCatalogFor(options: {
  readonly config: MeridianConfig;
  readonly env: Env;
  readonly store: ProviderStore;
  readonly base: Catalog;
  readonly log?: Logger;
}): LiveCatalog {
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
  liveCatalog.refresh();
  return liveCatalog;
}
