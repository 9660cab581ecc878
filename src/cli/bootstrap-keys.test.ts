import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { createKeyService } from '../keys/index.js';
import { openSqliteStorage } from '../storage/index.js';
import { bootstrapKeys } from './bootstrap-keys.js';

const fixedSecret = 'acme-ci-secret-0123456789';

function setUp() {
  const defaults = loadConfig({ cwd: '/nonexistent-for-defaults', env: {} }).config;
  const config: MeridianConfig = {
    ...defaults,
    admin: { key: 'admin-secret-0123456789abc' },
    orgs: [{ id: 'acme', name: 'Acme', credits: undefined }],
    keys: [
      { org: 'acme', name: 'ci', key: fixedSecret, limit: undefined, limitReset: 'none' },
      { org: 'acme', name: 'generated', key: undefined, limit: undefined, limitReset: 'none' },
    ],
  };
  const storage = openSqliteStorage({ path: ':memory:' });
  const keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 1) });
  const printed: string[] = [];
  const run = () => bootstrapKeys({ config, storage, keys, print: (line) => printed.push(line), now: () => 0 });
  return { config, storage, keys, printed, run };
}

describe('bootstrapKeys', () => {
  it('defers generated secrets (the admin key, keys without a fixed one) to serve when a CLI command bootstraps', async () => {
    const { config, storage, keys, printed } = setUp();
    const zeroConfig = { ...config, admin: { key: undefined } };
    const bootstrap = (generatedKeys: 'create' | 'defer') =>
      bootstrapKeys({
        config: zeroConfig,
        storage,
        keys,
        print: (line) => printed.push(line),
        now: () => 0,
        generatedKeys,
      });
    await bootstrap('defer');
    expect(keys.listKeys('default')).toEqual([]);
    expect(keys.listKeys('acme').map((key) => key.name)).toEqual(['ci']);
    expect(printed).toEqual([]);
    await bootstrap('create');
    expect(keys.listKeys('default').map((key) => [key.name, key.role])).toEqual([['admin', 'admin']]);
    expect(printed.map((line) => line.replace(/: \S+$/, ': <secret>'))).toEqual([
      'Admin key (shown once, store it now): <secret>',
      "Key 'generated' for org 'acme' (shown once, store it now): <secret>",
    ]);
  });

  it('is idempotent: orgs, fixed keys and generated keys are created once', async () => {
    const { keys, printed, run } = setUp();
    await run();
    await run();
    expect(
      keys
        .listKeys('acme')
        .map((key) => key.name)
        .sort(),
    ).toEqual(['ci', 'generated']);
    expect(keys.listKeys('default').map((key) => [key.name, key.role])).toEqual([['admin', 'admin']]);
    expect(printed.filter((line) => line.startsWith("Key 'generated'")).length).toBe(1);
    expect(keys.authenticate(fixedSecret)?.name).toBe('ci');
  });

  it("gives a key with a fixed secret its entry's limit and reset, as a generated one gets them", async () => {
    const { config, storage, keys } = setUp();
    const entries = [
      { org: 'acme', name: 'ci', key: fixedSecret, limit: '5.00', limitReset: 'monthly' as const },
      { org: 'acme', name: 'generated', key: undefined, limit: '0.25', limitReset: 'daily' as const },
    ];
    await bootstrapKeys({ config: { ...config, keys: entries }, storage, keys, print: () => {}, now: () => 0 });
    const byName = new Map(keys.listKeys('acme').map((key) => [key.name, [key.limitNanos, key.limitReset]]));
    expect(Object.fromEntries(byName)).toEqual({ ci: [5_000_000_000n, 'monthly'], generated: [250_000_000n, 'daily'] });
  });

  it("grants the config's credits once; another amount later is said and skipped, and the start goes on", async () => {
    const { config, storage, keys } = setUp();
    const printed: string[] = [];
    const start = (credits: string) =>
      bootstrapKeys({
        config: { ...config, orgs: [{ id: 'acme', name: 'Acme', credits }] },
        storage,
        keys,
        print: (line) => printed.push(line),
        now: () => 0,
      });
    await start('5');
    await start('5');
    await expect(start('10')).resolves.toBeUndefined();
    expect(storage.ledger.balance('acme').grantedNanos).toBe(5_000_000_000n);
    expect(printed.filter((line) => line.startsWith("Org 'acme'"))).toEqual([
      "Org 'acme': the config's credits were granted once, at an earlier start, with another amount; 10 is not granted " +
        'again (grant more with `meridian credits grant` or the credits API).',
    ]);
  });

  it('creates each config key once when nodes start together on one database, and calls none of them revoked', async () => {
    const { keys, printed, run } = setUp();
    await Promise.all([run(), run(), run()]);
    expect(
      keys
        .listKeys('acme')
        .map((key) => key.name)
        .sort(),
    ).toEqual(['ci', 'generated']);
    expect(printed.filter((line) => line.startsWith("Key 'generated'"))).toHaveLength(1);
    expect(printed.filter((line) => line.includes('revoked'))).toEqual([]);
    expect(keys.authenticate(fixedSecret)?.name).toBe('ci');
  });

  it('generates a new admin key at the start after the last one was revoked (once, however many nodes start)', async () => {
    const { storage, keys } = setUp();
    const printed: string[] = [];
    const start = () =>
      bootstrapKeys({
        config: { ...loadConfig({ cwd: '/nonexistent-for-defaults', env: {} }).config },
        storage,
        keys,
        print: (line) => printed.push(line),
        now: () => 0,
      });
    await Promise.all([start(), start()]);
    const first = keys.listKeys('default').filter((key) => key.role === 'admin');
    expect(first).toHaveLength(1);
    keys.revokeKey(first[0]!.id);
    await Promise.all([start(), start()]);
    const live = keys.listKeys('default').filter((key) => key.role === 'admin' && key.revokedAtMs === null);
    expect(live).toHaveLength(1);
    expect(printed.filter((line) => line.startsWith('Admin key (shown once'))).toHaveLength(2);
  });

  it('leaves a revoked fixed key revoked instead of crashing at start', async () => {
    const { keys, printed, run } = setUp();
    await run();
    const ci = keys.listKeys('acme').find((key) => key.name === 'ci')!;
    keys.revokeKey(ci.id);
    await expect(run()).resolves.toBeUndefined();
    expect(keys.authenticate(fixedSecret)).toBeUndefined();
    expect(printed.at(-1)).toBe(
      "Key 'ci' of org 'acme' from the config was revoked; it stays revoked (set a new secret to replace it).",
    );
  });

  it("applies an org's prompt_logging from the config at every start, and leaves an unlisted setting alone", async () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 1) });
    const defaults = loadConfig({ cwd: '/nonexistent-for-defaults', env: {} }).config;
    const start = (promptLogging: { isEnabled: boolean; retentionDays: number } | undefined) =>
      bootstrapKeys({
        config: { ...defaults, orgs: [{ id: 'acme', name: 'Acme', credits: undefined, promptLogging }] },
        storage,
        keys,
        print: () => undefined,
        now: () => 0,
      });
    await start({ isEnabled: true, retentionDays: 14 });
    expect(storage.orgs.findOrg('acme')?.promptLogging).toEqual({ isEnabled: true, retentionDays: 14 });
    storage.orgs.setPromptLogging('acme', { isEnabled: true, retentionDays: 3 });
    await start(undefined);
    expect(storage.orgs.findOrg('acme')?.promptLogging).toEqual({ isEnabled: true, retentionDays: 3 });
    await start({ isEnabled: false, retentionDays: 14 });
    expect(storage.orgs.findOrg('acme')?.promptLogging).toEqual({ isEnabled: false, retentionDays: 14 });
    expect(storage.orgs.findOrg('default')?.promptLogging).toEqual({ isEnabled: false, retentionDays: 30 });
    storage.close();
  });
});
