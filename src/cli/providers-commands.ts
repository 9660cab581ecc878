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
import { jsonOption, writeJson } from './write-json.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `meridian providers list|check` and `meridian secrets rotate`: on the node's storage directly (no server needed). */
export function registerProvidersCommands(program: Command): void {
  const providers = program.command('providers').description('Inspect providers');
  providers
    .command('list')
    .description('List the providers this node would serve: config file, built-in catalog (key set) and API-created')
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action((options: { config?: string; json?: boolean }) =>
      withStorage(options.config, async ({ storage }, config) => {
        const rows = await listProviderRows(config, storage.providers);
        if (options.json === true) return writeJson(rows);
        for (const row of rows) process.stdout.write(`${renderProviderLine(row)}\n`);
      }),
    );
  providers
    .command('check')
    .description(
      `Probe each provider once (GET <base_url>/models with its key, at most ${limits.providerCheckTimeoutMs / 1000} s): ok or error, and latency; exit code 1 if any fails`,
    )
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action(async (options: { config?: string; json?: boolean }) => {
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
      if (options.json === true) writeJson(report.rows);
      else for (const line of report.lines) process.stdout.write(`${line}\n`);
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
 * One row per provider, in `providers list` order (the text prints its values tab-separated, `--json` the rows): id,
 * source (`config`, `builtin`, `api`), protocol, base URL, key state (`set`/`none`, or `sealed:<key id>` for
 * API-created ones) and status (`active`, or why it is not serving). Never a key.
 */
export interface ProviderRow {
  readonly id: string;
  readonly source: 'config' | 'builtin' | 'api';
  readonly protocol: string;
  readonly base_url: string;
  readonly key: string;
  readonly status: string;
}

/** A row as `providers list` prints it: its values in the column order above, tab-separated. */
function renderProviderLine(row: ProviderRow): string {
  return [row.id, row.source, row.protocol, row.base_url, row.key, row.status].join('\t');
}

/** The providers this node would serve (config file, built-in catalog with its key set, API-created), as rows. */
export async function listProviderRows(
  config: MeridianConfig,
  store: ServingPort<ProviderStore>,
): Promise<ProviderRow[]> {
  const base = buildCliCatalog(config, process.env);
  const liveCatalog = await createLiveCatalogFor({ config, env: process.env, store, base });
  const configIds = new Set(config.providers.map((provider) => provider.id));
  const rows: ProviderRow[] = [...base.providers.values()].map((provider) => ({
    id: provider.id,
    source: configIds.has(provider.id) ? 'config' : 'builtin',
    protocol: provider.protocol,
    base_url: provider.baseUrl,
    key: provider.apiKey === undefined ? 'none' : 'set',
    status: 'active',
  }));
  for (const record of await store.listProviders()) {
    rows.push({
      id: record.id,
      source: 'api',
      protocol: apiProtocolIds[record.protocol],
      base_url: record.baseUrl,
      key: record.apiKey === null ? 'none' : `sealed:${record.apiKey.keyId}`,
      status: liveCatalog.problemOf(record.id) ?? 'active',
    });
  }
  return rows;
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
): Promise<{ lines: string[]; rows: CheckRow[]; summary: string; failedCount: number }> {
  const rows = await mapWithConcurrency(targets, options.concurrencyMax, async (target): Promise<CheckRow> => {
    if (target.kind !== 'probe') {
      return {
        id: target.id,
        result: target.kind === 'skipped' ? 'skipped' : 'error',
        latency_ms: null,
        detail: target.detail,
      };
    }
    const probe = await probeProvider(target.provider, {
      path: '/models',
      headers: probeHeaders[target.provider.protocol] ?? {},
      timeoutMs: options.timeoutMs,
      allowList: options.allowList,
    });
    return { id: target.id, result: probe.kind, latency_ms: probe.latencyMs, detail: describeProbe(probe) };
  });
  const count = (result: string): number => rows.filter((row) => row.result === result).length;
  const failedCount = count('error');
  return {
    lines: rows.map((row) =>
      [row.id, row.result, row.latency_ms === null ? '-' : `${row.latency_ms} ms`, row.detail].join('\t'),
    ),
    rows,
    summary: `Checked ${rows.length} provider(s): ${count('ok')} ok, ${failedCount} error, ${count('skipped')} skipped.`,
    failedCount,
  };
}

/** One probed (or skipped) provider; `providers check --json` prints these. `latency_ms` is null when nothing was sent. */
export interface CheckRow {
  readonly id: string;
  readonly result: 'ok' | 'error' | 'skipped';
  readonly latency_ms: number | null;
  readonly detail: string;
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
