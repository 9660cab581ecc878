import { existsSync } from 'node:fs';
import { limits, resolveSqlitePath } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import type { KeyRecord } from '../storage/index.js';
import type { Command } from 'commander';
import { bootstrapKeys, defaultOrgId } from './bootstrap-keys.js';
import { loadCliConfig } from './load-cli-config.js';
import { renderKey } from '../http/routes/keys-route.js';
import { openNodeStorage } from './open-storage.js';
import { assertDataDirectoryUsable } from './prepare-data-directory.js';
import { jsonOption, writeJson } from './write-json.js';
import type { NodeStorage } from './open-storage.js';

/** `meridian keys create|list|revoke`: works on the node's storage directly (no server needed). */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Manage API keys');
  keys
    .command('create')
    .description('Create a key; its secret is printed once')
    .requiredOption('--name <name>', 'a label for the key')
    .option('--org <org>', 'org the key belongs to', defaultOrgId)
    .option('--config <path>', 'config file')
    .action((options: { name: string; org: string; config?: string }) =>
      withStorage(options.config, async ({ storage, keys: keyService }) => {
        const name = options.name.trim();
        if (name === '' || options.name.length > limits.adminNameLengthMax)
          throw new Error(`--name must be 1–${limits.adminNameLengthMax} characters`);
        if ((await storage.orgs.findOrg(options.org)) === undefined)
          throw new Error(`org '${options.org}' does not exist`);
        const created = await keyService.createKey({ orgId: options.org, name, role: 'member' });
        process.stdout.write(`${created.secret}\n`);
        process.stderr.write(
          `Created key ${created.record.id} for org '${options.org}'. The secret above is shown once.\n`,
        );
      }),
    );
  keys
    .command('list')
    .description('List keys by prefix')
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action((options: { config?: string; json?: boolean }) =>
      withStorage(options.config, async ({ keys: keyService }) => {
        const nowMs = Date.now();
        const records = await keyService.listKeys(undefined);
        // As GET /api/v1/keys renders each key: never the secret or its digest.
        if (options.json === true) return writeJson(records.map(renderKey));
        for (const record of records) {
          const state = describeKeyState(record, nowMs);
          process.stdout.write(
            `${record.id}\t${record.orgId}\t${record.role}\t${record.displayPrefix}...${record.lastFour}\t${state}\t${record.name}\n`,
          );
        }
      }),
    );
  keys
    .command('revoke <id>')
    .description('Revoke a key at once')
    .option('--config <path>', 'config file')
    .action((id: string, options: { config?: string }) =>
      withStorage(options.config, async ({ keys: keyService }) => {
        if (await keyService.revokeKey(id)) return void process.stdout.write(`Revoked ${id}\n`);
        // False for an unknown key and for one revoked before: say which (revoking twice leaves what was asked for).
        const known = (await keyService.listKeys(undefined)).find((record) => record.id === id);
        if (known === undefined) throw new Error(`key '${id}' not found ('meridian keys list' shows the ids)`);
        process.stdout.write(`Key ${id} was already revoked\n`);
      }),
    );
}

/**
 * Runs a command on the node's storage (either driver), bootstrapped from the config, and closes it. `inspect`: a
 * command that only reads (`ledger verify`) needs the store to exist already (an embedded database is not created at
 * a mistyped path) and does not bootstrap it (no config grant lands in the ledger it checks).
 */
export async function withStorage(
  configPath: string | undefined,
  action: (opened: NodeStorage, config: MeridianConfig) => Promise<void>,
  mode: 'bootstrap' | 'inspect' = 'bootstrap',
): Promise<void> {
  const { config } = loadCliConfig(configPath);
  // Named in one line before the key pepper (kept there) is read or created in it.
  assertDataDirectoryUsable(config.dataDirectory);
  if (mode === 'inspect') assertStorageExists(config);
  const opened = await openNodeStorage(config, process.env);
  try {
    if (mode === 'bootstrap') {
      await bootstrapKeys({
        config,
        storage: opened.storage,
        keys: opened.keys,
        print: (line) => process.stderr.write(`${line}\n`),
        now: Date.now,
        generatedKeys: 'defer',
      });
    }
    await action(opened, config);
  } finally {
    await opened.storage.close();
  }
}

/** Refuses an embedded database that does not exist yet (PostgreSQL reports a missing database itself). */
function assertStorageExists(config: MeridianConfig): void {
  const path = resolveSqlitePath(config.storage.url, config.baseDirectory);
  if (path !== undefined && path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no database at ${path}: ledger verify reads an existing store`);
  }
}

/** A key's state as `keys list` shows it: revoked, expired and disabled keys authenticate to nothing. */
export function describeKeyState(record: KeyRecord, nowMs: number): 'active' | 'revoked' | 'expired' | 'disabled' {
  if (record.revokedAtMs !== null) return 'revoked';
  if (record.expiresAtMs !== null && record.expiresAtMs <= nowMs) return 'expired';
  return record.isDisabled ? 'disabled' : 'active';
}
