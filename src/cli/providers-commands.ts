import type { Command } from 'commander';
import { apiProtocolIds, buildCatalog, loadVendorFiles, providerSecretPurpose } from '../catalog/index.js';
import type { Catalog, Provider } from '../catalog/index.js';
import { limits } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { parseOutboundAllowList } from '../net/index.js';
import type { OutboundAllowList } from '../net/index.js';
import { loadKeyring, rotateSealedRecords } from '../secrets/index.js';
import type { ProviderStore, ServingPort } from '../storage/index.js';
import { probeProvider } from '../upstream/index.js';
import type { ProviderProbe } from '../upstream/index.js';
import { createLiveCatalogFor } from './create-provider-admin.js';
import { withStorage } from './keys-commands.js';
import { supportedProtocols } from './start-gateway.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `meridian providers list|check` and `meridian secrets rotate`: on the node's storage directly (no server needed). */
export function registerProvidersCommands(program: Command): void {
  const providers = program.command('providers').description('Inspect providers');
  providers
    .command('list')
    .description('List the providers this node would serve: config file, built-in catalog (key set) and API-created')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) =>
      withStorage(options.config, async ({ storage }, config) => {
        for (const line of await listProviderLines(config, storage.providers)) process.stdout.write(`${line}\n`);
      }),
    );
  providers
    .command('check')
    .description(
      `Probe each provider once (GET <base_url>/models with its key, at most ${limits.providerCheckTimeoutMs / 1000} s): ok or error, and latency; exit code 1 if any fails`,
    )
    .option('--config <path>', 'config file')
    .action(async (options: { config?: string }) => {
      // Storage is read (and closed) first; the probes need none of it.
      const prepared: { targets: CheckTarget[]; allowList?: OutboundAllowList } = { targets: [] };
      await withStorage(options.config, async ({ storage }, config) => {
        prepared.targets = await listCheckTargets(config, storage.providers, process.env);
        prepared.allowList = parseOutboundAllowList(config.security.outboundAllow);
      });
      const report = await checkProviders(prepared.targets, {
        allowList: prepared.allowList ?? parseOutboundAllowList([]),
        timeoutMs: limits.providerCheckTimeoutMs,
        concurrencyMax: limits.providerCheckConcurrencyMax,
      });
      for (const line of report.lines) process.stdout.write(`${line}\n`);
      process.stderr.write(`${report.summary}\n`);
      if (report.failedCount > 0) process.exitCode = 1;
    });
  program
    .command('secrets')
    .description('Provider secrets sealed at rest')
    .command('rotate')
    .description('Re-seal every stored provider key under the first key of MERIDIAN_MASTER_KEYS')
    .option('--config <path>', 'config file')
    .action((options: { config?: string }) =>
      withStorage(options.config, async ({ storage }) => {
        const report = await rotateProviderKeys(storage.providers, process.env);
        process.stdout.write(`${report.lines.join('\n')}\n`);
        if (!report.isComplete) process.exitCode = 1;
      }),
    );
}

/** The operator's catalog as the CLI sees it (no sandbox running: its provider gets a placeholder URL). */
function buildCliCatalog(config: MeridianConfig, env: Env): Catalog {
  return buildCatalog({
    vendorFiles: loadVendorFiles(),
    configProviders: config.providers,
    configModels: config.models,
    env,
    sandboxBaseUrl: config.sandbox.enabled ? 'http://127.0.0.1:0/v1' : undefined,
    supportedProtocols,
    aliases: config.aliases,
  });
}

/**
 * One tab-separated line per provider: id, source (`config`, `builtin`, `api`), protocol, base URL, key state
 * (`set`/`none`, or `sealed:<key id>` for API-created ones) and status (`active`, or why it is not serving).
 */
export async function listProviderLines(config: MeridianConfig, store: ServingPort<ProviderStore>): Promise<string[]> {
  const base = buildCliCatalog(config, process.env);
  const liveCatalog = await createLiveCatalogFor({ config, env: process.env, store, base });
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
  for (const record of await store.listProviders()) {
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
export async function rotateProviderKeys(
  store: ServingPort<ProviderStore>,
  env: Env,
): Promise<{ lines: string[]; isComplete: boolean }> {
  const keyring = loadKeyring(env);
  if (keyring === undefined) {
    throw new Error('MERIDIAN_MASTER_KEYS is not set: rotation needs the new key first and the old ones after it.');
  }
  const sealedById = new Map<string, string>();
  for (const record of await store.listProviders())
    if (record.apiKey !== null) sealedById.set(record.id, record.apiKey.sealed);
  const report = rotateSealedRecords(
    [...sealedById].map(([id, sealed]) => ({ id, purpose: providerSecretPurpose(id), sealed })),
    keyring,
  );
  const written = await store.replaceSealedKeys(
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

/** One row of `providers check`: a provider to probe, or one reported without a request (and why). */
export type CheckTarget =
  | { readonly id: string; readonly kind: 'probe'; readonly provider: Provider }
  | { readonly id: string; readonly kind: 'skipped' | 'not-serving'; readonly detail: string };

/**
 * What `providers check` looks at, in `providers list` order: every provider this node would serve (config file,
 * built-in catalog with its key set, API-created with its key opened). The sandbox is skipped (it runs inside
 * `meridian serve`); an API-created provider that is not serving is reported with its problem, not called.
 */
export async function listCheckTargets(
  config: MeridianConfig,
  store: ServingPort<ProviderStore>,
  env: Env,
): Promise<CheckTarget[]> {
  const liveCatalog = await createLiveCatalogFor({ config, env, store, base: buildCliCatalog(config, env) });
  const targets: CheckTarget[] = [...liveCatalog.catalog.providers.values()].map((provider) =>
    provider.isSandbox
      ? { id: provider.id, kind: 'skipped', detail: 'built-in sandbox (runs inside meridian serve)' }
      : { id: provider.id, kind: 'probe', provider },
  );
  for (const record of await store.listProviders()) {
    const problem = liveCatalog.problemOf(record.id);
    if (problem !== undefined) targets.push({ id: record.id, kind: 'not-serving', detail: `not serving: ${problem}` });
  }
  return targets;
}

/** Headers each upstream protocol needs on a plain GET besides the key. */
const probeHeaders: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'anthropic-messages': { 'anthropic-version': '2023-06-01' },
};

/**
 * Probes the targets, at most `concurrencyMax` at once, and renders one tab-separated line per target in their
 * order: id, result (`ok`, `error`, `skipped`), latency (`<n> ms`, or `-` when nothing was sent) and detail (the
 * HTTP status, `timeout`, a socket error code or a guard refusal). No line carries a key or a response body.
 */
export async function checkProviders(
  targets: readonly CheckTarget[],
  options: { readonly allowList: OutboundAllowList; readonly timeoutMs: number; readonly concurrencyMax: number },
): Promise<{ lines: string[]; summary: string; failedCount: number }> {
  const rows = await mapWithConcurrency(targets, options.concurrencyMax, async (target) => {
    if (target.kind !== 'probe') {
      return {
        id: target.id,
        result: target.kind === 'skipped' ? 'skipped' : 'error',
        latency: '-',
        detail: target.detail,
      };
    }
    const probe = await probeProvider(target.provider, {
      path: '/models',
      headers: probeHeaders[target.provider.protocol] ?? {},
      timeoutMs: options.timeoutMs,
      allowList: options.allowList,
    });
    return { id: target.id, result: probe.kind, latency: `${probe.latencyMs} ms`, detail: describeProbe(probe) };
  });
  const count = (result: string): number => rows.filter((row) => row.result === result).length;
  const failedCount = count('error');
  return {
    lines: rows.map((row) => [row.id, row.result, row.latency, row.detail].join('\t')),
    summary: `Checked ${rows.length} provider(s): ${count('ok')} ok, ${failedCount} error, ${count('skipped')} skipped.`,
    failedCount,
  };
}

function describeProbe(probe: ProviderProbe): string {
  return probe.kind === 'ok' ? `HTTP ${probe.statusCode}` : probe.reason;
}

/** `work` over every item, at most `concurrencyMax` at a time; results in the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrencyMax: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrencyMax, items.length) }, worker));
  return results;
}
