import type { Command } from 'commander';
import {
  apiProtocolIds,
  buildCatalog,
  createLiveCatalog,
  loadVendorFiles,
  providerSecretPurpose,
} from '../catalog/index.js';
import type { Catalog, LiveCatalog } from '../catalog/index.js';
import type { MeridianConfig } from '../config/index.js';
import type { ProviderAdminContext } from '../http/routes/providers-route.js';
import { parseOutboundAllowList } from '../net/index.js';
import type { Logger } from '../observability/index.js';
import { loadKeyring, rotateSealedRecords } from '../secrets/index.js';
import type { ProviderStore } from '../storage/index.js';
import { withStorage } from './keys-commands.js';
import { supportedProtocols } from './start-gateway.js';

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

function createLiveCatalogFor(options: {
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

/** `meridian providers list` and `meridian secrets rotate`: on the node's storage directly (no server needed). */
export function registerProvidersCommands(program: Command): void {
  program
    .command('providers')
    .description('Inspect providers')
    .command('list')
    .description('List the providers this node would serve: config file, built-in catalog (key set) and API-created')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) => {
      withStorage(options.config, ({ storage }, config) => {
        for (const line of listProviderLines(config, storage.providers)) process.stdout.write(`${line}\n`);
      });
    });
  program
    .command('secrets')
    .description('Provider secrets sealed at rest')
    .command('rotate')
    .description('Re-seal every stored provider key under the first key of MERIDIAN_MASTER_KEYS')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) => {
      withStorage(options.config, ({ storage }) => {
        const report = rotateProviderKeys(storage.providers, process.env);
        process.stdout.write(`${report.lines.join('\n')}\n`);
        if (!report.isComplete) process.exitCode = 1;
      });
    });
}

/**
 * One tab-separated line per provider: id, source (`config`, `builtin`, `api`), protocol, base URL, key state
 * (`set`/`none`, or `sealed:<key id>` for API-created ones) and status (`active`, or why it is not serving).
 */
export function listProviderLines(config: MeridianConfig, store: ProviderStore): string[] {
  const base = buildCatalog({
    vendorFiles: loadVendorFiles(),
    configProviders: config.providers,
    configModels: config.models,
    env: process.env,
    sandboxBaseUrl: config.sandbox.enabled ? 'http://127.0.0.1:0/v1' : undefined,
    supportedProtocols,
    aliases: config.aliases,
  });
  const liveCatalog = createLiveCatalogFor({ config, env: process.env, store, base });
  const configIds = new Set(config.providers.map((provider) => provider.id));
  const lines = [...base.providers.values()].map((provider) =>
    [
      provider.id,
      configIds.has(provider.id) ? 'config' : 'builtin',
      provider.protocol,
      provider.baseUrl,
      provider.apiKey === undefined ? 'none' : 'set',
      'active',
    ].join('\t'),
  );
  for (const record of store.listProviders()) {
    const key = record.apiKey === null ? 'none' : `sealed:${record.apiKey.keyId}`;
    const status = liveCatalog.problemOf(record.id) ?? 'active';
    lines.push([record.id, 'api', apiProtocolIds[record.protocol], record.baseUrl, key, status].join('\t'));
  }
  return lines;
}

/**
 * Re-seals every stored provider key under the keyring's current key. A key that does not open is left as it is
 * and reported (its old master key must stay configured); a key replaced through the API meanwhile is not
 * overwritten. `isComplete` is false when any key is not yet under the current key.
 */
export function rotateProviderKeys(store: ProviderStore, env: Env): { lines: string[]; isComplete: boolean } {
  const keyring = loadKeyring(env);
  if (keyring === undefined) {
    throw new Error('MERIDIAN_MASTER_KEYS is not set: rotation needs the new key first and the old ones after it.');
  }
  const sealedById = new Map<string, string>();
  for (const record of store.listProviders())
    if (record.apiKey !== null) sealedById.set(record.id, record.apiKey.sealed);
  const report = rotateSealedRecords(
    [...sealedById].map(([id, sealed]) => ({ id, purpose: providerSecretPurpose(id), sealed })),
    keyring,
  );
  const written = store.replaceSealedKeys(
    report.rotated.map(({ id, sealed }) => ({
      id,
      previousSealed: sealedById.get(id)!,
      sealed,
      keyId: keyring.currentKeyId,
    })),
  );
  const lines = [
    `Re-sealed ${written} provider key(s) under key id ${keyring.currentKeyId}; ${report.unchangedIds.length} already under it; ${report.failed.length} could not be opened.`,
  ];
  for (const { id, error } of report.failed) {
    lines.push(`  ${id}: ${error.code}${error.keyId === undefined ? '' : ` (key id ${error.keyId})`}`);
  }
  const skipped = report.rotated.length - written;
  if (skipped > 0) lines.push(`  ${skipped} key(s) changed through the API meanwhile: run the rotation again.`);
  const isComplete = report.failed.length === 0 && skipped === 0;
  if (!isComplete) lines.push('Keep the old key ids in MERIDIAN_MASTER_KEYS until every key is re-sealed.');
  return { lines, isComplete };
}
