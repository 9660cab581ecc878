import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../../src/storage/index.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream, Scenario } from '../fake-upstream/create-fake-upstream.js';
import { testAdminKey } from '../support/gateway-config.js';
import { createTestDatabase, findPostgresSkipReason } from '../support/start-postgres.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';

/**
 * The CLI commands of PRODUCT.md §1.4 that change or probe the outside world, run from the built `dist/main.js`
 * as an operator would: `meridian migrate` (schema version before and after, idempotent, a newer database refused
 * untouched) and `meridian providers check` (one GET of `<base_url>/models` per provider with its key, a row of
 * ok/error and latency each, exit code 1 on any failure, the key never printed). Every upstream is on 127.0.0.1.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The migrations the built CLI applies (copied by the build), so the expected version follows new migrations. */
const builtMigrations = readdirSync(new URL('../../dist/storage/sqlite/migrations/', import.meta.url))
  .filter((name) => /^\d{4}-.+\.sql$/.test(name))
  .sort();
const latestVersion = builtMigrations.length;
const allVersions = Array.from({ length: latestVersion }, (_, index) => index + 1);
const directories: string[] = [];

interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a CLI run: this one without variables that switch on built-in providers (`*_API_KEY`,
 * `*_BASE_URL`: a check would reach the Internet) or choose Meridian's config, plus `extra`.
 */
function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/(_API_KEY|_BASE_URL)$/.test(name) && !name.startsWith('MERIDIAN_')) env[name] = value;
  }
  return { ...env, MERIDIAN_LOG_LEVEL: 'silent', ...extra };
}

function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [mainPath, ...args],
      { cwd: options.cwd, env: cleanEnv(options.env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ exitCode: error === null ? 0 : typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

function createDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
  directories.push(directory);
  return directory;
}

/** A config file whose database is `<dir>/data/meridian.db`; returns its path. */
function writeConfig(directory: string, extra = ''): string {
  const path = join(directory, 'meridian.yaml');
  writeFileSync(
    path,
    `storage: { url: "sqlite:${directory}/data/meridian.db" }\ndata_dir: "${directory}/data"\nadmin: { key: "${testAdminKey}" }\n${extra}`,
  );
  return path;
}

function readAppliedRows(directory: string): { version: number; applied_at_ms: number }[] {
  const database = new Database(join(directory, 'data', 'meridian.db'), { readonly: true });
  try {
    return database.prepare('SELECT version, applied_at_ms FROM schema_migrations ORDER BY version').all() as {
      version: number;
      applied_at_ms: number;
    }[];
  } finally {
    database.close();
  }
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('meridian migrate', () => {
  it('creates the database and applies every migration, printing the version before and after', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    const run = await runCli(['migrate', '--config', config], { cwd: directory });
    expect(run).toEqual({
      exitCode: 0,
      stdout: [
        `Storage: sqlite:${directory}/data/meridian.db`,
        'Schema version before: 0 (empty)',
        `Applied ${latestVersion} migration(s): ${allVersions.join(', ')}`,
        `Schema version after: ${latestVersion}`,
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(readAppliedRows(directory).map((row) => row.version)).toEqual(allVersions);
  });

  it('is idempotent: a second run applies nothing and leaves every migration row as it was', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    expect((await runCli(['migrate', '--config', config], { cwd: directory })).exitCode).toBe(0);
    const rowsBefore = readAppliedRows(directory);
    const again = await runCli(['migrate', '--config', config], { cwd: directory });
    expect(again).toEqual({
      exitCode: 0,
      stdout: [
        `Storage: sqlite:${directory}/data/meridian.db`,
        `Schema version before: ${latestVersion}`,
        'Already up to date: no migration applied.',
        `Schema version after: ${latestVersion}`,
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(readAppliedRows(directory)).toEqual(rowsBefore);
  });

  it('applies only the missing migrations to a database an older build migrated', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    // An "older build": the first five migrations only, applied by the same code the server runs.
    const olderMigrations = join(directory, 'older-migrations');
    mkdirSync(olderMigrations);
    for (const name of builtMigrations.slice(0, 5)) {
      copyFileSync(
        fileURLToPath(new URL(`../../dist/storage/sqlite/migrations/${name}`, import.meta.url)),
        join(olderMigrations, name),
      );
    }
    mkdirSync(join(directory, 'data'));
    const database = new Database(join(directory, 'data', 'meridian.db'));
    expect(migrateSqlite(database, { directory: pathToFileURL(`${olderMigrations}/`) })).toEqual([1, 2, 3, 4, 5]);
    database.close();

    const run = await runCli(['migrate', '--config', config], { cwd: directory });
    const missing = allVersions.slice(5);
    expect(run.stdout.split('\n')).toEqual([
      `Storage: sqlite:${directory}/data/meridian.db`,
      'Schema version before: 5',
      `Applied ${missing.length} migration(s): ${missing.join(', ')}`,
      `Schema version after: ${latestVersion}`,
      '',
    ]);
    expect(run.exitCode).toBe(0);
    expect(readAppliedRows(directory).map((row) => row.version)).toEqual(allVersions);
  });

  it('refuses a database migrated by a newer Meridian, and changes nothing in it', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    expect((await runCli(['migrate', '--config', config], { cwd: directory })).exitCode).toBe(0);
    const database = new Database(join(directory, 'data', 'meridian.db'));
    database.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (999, 1)').run();
    database.close();
    const rowsBefore = readAppliedRows(directory);

    const run = await runCli(['migrate', '--config', config], { cwd: directory });
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr:
        'meridian: The database has schema version(s) 999 that this build of Meridian does not know; ' +
        'it was migrated by a newer version. Run that version, or restore a backup.\n',
    });
    expect(readAppliedRows(directory)).toEqual(rowsBefore);
  });

  it('is listed by meridian --help', async () => {
    const run = await runCli(['--help'], { cwd: tmpdir() });
    expect(run.stdout).toMatch(/^ {2}migrate \[options\] +Apply the storage schema migrations/m);
    expect(run.stdout).toMatch(/^ {2}providers +Inspect providers$/m);
  });
});

/** The PostgreSQL migrations the built CLI applies. */
const builtPostgresVersions = readdirSync(new URL('../../dist/storage/postgres/migrations/', import.meta.url))
  .filter((name) => /^\d{4}-.+\.sql$/.test(name))
  .map((name) => Number(name.slice(0, 4)))
  .sort((a, b) => a - b);
const postgresSkipReason = await findPostgresSkipReason();

describe.skipIf(postgresSkipReason !== undefined)('meridian migrate on PostgreSQL (cluster mode)', () => {
  it('applies every migration to an empty database, then none; the URL is printed without its password', async () => {
    const database = await createTestDatabase();
    try {
      const directory = createDirectory();
      const url = new URL(database.url);
      url.password = 'not-printed';
      const config = join(directory, 'meridian.yaml');
      writeFileSync(
        config,
        `storage: { url: "${url.toString()}" }\ndata_dir: "${directory}/data"\nadmin: { key: "${testAdminKey}" }\ncluster: { node_id: a, nodes_expected: 1 }\n`,
      );
      const shown = url.toString().replace(':not-printed@', ':***@');
      const first = await runCli(['migrate', '--config', config], { cwd: directory });
      expect(first).toEqual({
        exitCode: 0,
        stdout: [
          `Storage: ${shown}`,
          'Schema version before: 0 (empty)',
          `Applied ${builtPostgresVersions.length} migration(s): ${builtPostgresVersions.join(', ')}`,
          `Schema version after: ${builtPostgresVersions.at(-1)}`,
          '',
        ].join('\n'),
        stderr: '',
      });
      const again = await runCli(['migrate', '--config', config], { cwd: directory });
      expect(again.stdout.split('\n').slice(1)).toEqual([
        `Schema version before: ${builtPostgresVersions.at(-1)}`,
        'Already up to date: no migration applied.',
        `Schema version after: ${builtPostgresVersions.at(-1)}`,
        '',
      ]);
      expect(again.exitCode).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

describe('meridian credits', () => {
  it('prints balances as exact USD decimals, from one nano-USD to past 2^53 nano-USD', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory, 'orgs:\n  - { id: acme }\n');
    const grant = (amount: string, grantId: string) =>
      runCli(['credits', 'grant', 'acme', amount, '--grant-id', grantId, '--config', config], { cwd: directory });
    expect((await grant('0.000000001', 'pay-1')).stdout).toBe('Granted $0.000000001 to acme (pay-1)\n');
    const balance = () => runCli(['credits', 'balance', 'acme', '--config', config], { cwd: directory });
    expect(await balance()).toEqual({
      exitCode: 0,
      stdout: 'granted 0.000000001\ncharged 0\nheld 0\navailable 0.000000001\n',
      stderr: '',
    });
    expect((await grant('123456789.123456788', 'pay-2')).exitCode).toBe(0);
    expect((await balance()).stdout).toBe(
      'granted 123456789.123456789\ncharged 0\nheld 0\navailable 123456789.123456789\n',
    );
  });

  it('gives each grant without --grant-id an id of its own, so two grants in one millisecond both land', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory, 'orgs:\n  - { id: acme }\n');
    const grant = () => runCli(['credits', 'grant', 'acme', '1', '--config', config], { cwd: directory });
    const runs = [await grant(), await grant()];
    for (const run of runs) expect(run.stdout).toMatch(/^Granted \$1 to acme \(cli:[0-9a-f-]{36}\)\n$/);
    expect(runs[0]!.stdout).not.toBe(runs[1]!.stdout);
  });

  it('refuses an amount of zero or past the largest grant, naming the amount, and grants nothing', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory, 'orgs:\n  - { id: acme }\n');
    const grant = (amount: string) =>
      runCli(['credits', 'grant', 'acme', amount, '--config', config], { cwd: directory });
    expect(await grant('0.000000000')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "meridian: amount '0.000000000' must be above zero\n",
    });
    expect(await grant('1000000000.000000001')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "meridian: amount '1000000000.000000001' must be at most 1000000000 USD\n",
    });
    const balance = await runCli(['credits', 'balance', 'acme', '--config', config], { cwd: directory });
    expect(balance.stdout).toBe('granted 0\ncharged 0\nheld 0\navailable 0\n');
  });
});

describe('meridian keys', () => {
  it('on a fresh data directory creates no admin key and prints no secret: the admin key is left to serve', async () => {
    const directory = createDirectory();
    const listed = await runCli(['keys', 'list'], { cwd: directory });
    expect([listed.exitCode, listed.stderr]).toEqual([0, '']);
    expect(listed.stdout).not.toContain('admin');
    const balance = await runCli(['credits', 'balance', 'default'], { cwd: directory });
    expect([balance.exitCode, balance.stderr]).toEqual([0, '']);
  });

  it('refuses a name the API would refuse (blank, or past 200 characters), creating no key', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    for (const name of ['', '   ', 'x'.repeat(201)]) {
      const run = await runCli(['keys', 'create', '--name', name, '--config', config], { cwd: directory });
      expect([run.exitCode, run.stdout, run.stderr]).toEqual([1, '', 'meridian: --name must be 1–200 characters\n']);
    }
    const listed = await runCli(['keys', 'list', '--config', config], { cwd: directory });
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[2]),
    ).toEqual(['admin']);
    const created = await runCli(['keys', 'create', '--name', 'x'.repeat(200), '--config', config], { cwd: directory });
    expect(created.exitCode).toBe(0);
  });

  it('revokes a key once, says so when it was revoked before, and names an unknown id as unknown', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory);
    await runCli(['keys', 'create', '--name', 'ci', '--config', config], { cwd: directory });
    const listed = await runCli(['keys', 'list', '--config', config], { cwd: directory });
    const id = listed.stdout
      .split('\n')
      .find((line) => line.endsWith('\tci'))!
      .split('\t')[0]!;
    const revoke = () => runCli(['keys', 'revoke', id, '--config', config], { cwd: directory });
    expect(await revoke()).toEqual({ exitCode: 0, stdout: `Revoked ${id}\n`, stderr: '' });
    expect(await revoke()).toEqual({ exitCode: 0, stdout: `Key ${id} was already revoked\n`, stderr: '' });
    const unknown = await runCli(['keys', 'revoke', 'key_nope', '--config', config], { cwd: directory });
    expect(unknown).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "meridian: key 'key_nope' not found ('meridian keys list' shows the ids)\n",
    });
  });
});

describe('meridian ledger verify', () => {
  it('refuses a path with no database, creating nothing, and verifies an existing one without writing to it', async () => {
    const directory = createDirectory();
    const config = writeConfig(directory, 'orgs:\n  - { id: acme, credits: "5.00" }\n');
    const missing = await runCli(['ledger', 'verify', '--config', config], { cwd: directory });
    expect(missing).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `meridian: no database at ${directory}/data/meridian.db: ledger verify reads an existing store\n`,
    });
    expect(readdirSync(directory)).toEqual(['meridian.yaml']);
    expect((await runCli(['migrate', '--config', config], { cwd: directory })).exitCode).toBe(0);
    const verified = await runCli(['ledger', 'verify', '--config', config], { cwd: directory });
    expect([verified.exitCode, verified.stderr, verified.stdout.split('\n').length]).toEqual([0, '', 9]);
    const database = new Database(join(directory, 'data', 'meridian.db'), { readonly: true });
    const counts = database
      .prepare('SELECT (SELECT COUNT(*) FROM ledger_grants) AS grants, (SELECT COUNT(*) FROM api_keys) AS keys')
      .get();
    database.close();
    expect(counts).toEqual({ grants: 0, keys: 0 });
  });
});

describe('meridian providers check', () => {
  const goodKey = 'sk-cli-check-good-0123456789abcdef';
  const wrongKey = 'sk-cli-check-wrong-0123456789abcdef';
  const masterKeys = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  let fake: FakeUpstream;
  let directory: string;
  let config: string;

  /** Answers by the key it is sent: 200 with a model list for the good one, 401 quoting the key for any other. */
  const answerByKey: Scenario = {
    kind: 'dynamic',
    answer: (received) => {
      const sent = received.headers['authorization'] ?? received.headers['x-api-key'];
      if (sent === `Bearer ${goodKey}` || sent === goodKey) {
        return { kind: 'json', body: { object: 'list', data: [{ id: 'fake-model', object: 'model' }] } };
      }
      const quoted = JSON.stringify({ error: { message: `Incorrect API key provided: ${String(sent)}` } });
      return { kind: 'error', status: 401, body: quoted };
    },
  };

  /** A loopback port nothing listens on. */
  async function findClosedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  /** Latency varies from run to run; the rest of each row is exact. */
  function normaliseRows(stdout: string): string[] {
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/\t\d+ ms\t/, '\t<n> ms\t'));
  }

  beforeAll(async () => {
    fake = await createFakeUpstream();
    const fakePort = new URL(fake.baseUrl).port;
    directory = createDirectory();
    config = writeConfig(
      directory,
      `server: { host: 127.0.0.1, port: 0 }
sandbox: { enabled: true, latency_scale: 0 }
security:
  outbound_allow: ["127.0.0.1:${fakePort}"]
providers:
  - { id: fake-ok, protocol: openai, base_url: "${fake.baseUrl}", api_key: "${goodKey}" }
  - { id: fake-denied, protocol: openai, base_url: "${fake.baseUrl}", api_key: "${wrongKey}" }
  - { id: fake-claude, protocol: anthropic, base_url: "${fake.baseUrl}", api_key: "${goodKey}" }
  - { id: fake-down, protocol: openai, base_url: "http://127.0.0.1:${await findClosedPort()}/v1", api_key: "${goodKey}" }
`,
    );
    // A provider created through the API (its key sealed under the master key), by a gateway on this storage.
    const gateway = await startGatewayProcess({
      configYaml: readFileSync(config, 'utf8'),
      directory,
      env: { MERIDIAN_MASTER_KEYS: masterKeys },
    });
    try {
      const response = await fetch(`${gateway.url}/api/v1/providers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'vault-ok', protocol: 'openai', base_url: fake.baseUrl, api_key: goodKey }),
      });
      expect(response.status).toBe(201);
    } finally {
      await gateway.stop();
    }
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('probes every provider once with its key and prints ok/error and latency, never a key', async () => {
    fake.reset();
    for (let index = 0; index < 4; index += 1) fake.enqueue(answerByKey);
    const run = await runCli(['providers', 'check', '--config', config], {
      cwd: directory,
      env: { MERIDIAN_MASTER_KEYS: masterKeys },
    });
    expect(normaliseRows(run.stdout)).toEqual([
      'sandbox\tskipped\t-\tbuilt-in sandbox (runs inside meridian serve)',
      'fake-ok\tok\t<n> ms\tHTTP 200',
      'fake-denied\terror\t<n> ms\tHTTP 401',
      'fake-claude\tok\t<n> ms\tHTTP 200',
      'fake-down\terror\t<n> ms\tconnection failed (ECONNREFUSED)',
      'vault-ok\tok\t<n> ms\tHTTP 200',
    ]);
    expect(run.stderr).toBe('Checked 6 provider(s): 3 ok, 2 error, 1 skipped.\n');
    expect(run.exitCode).toBe(1);
    for (const secret of [goodKey, wrongKey, masterKeys.slice(3)]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
    // One GET of /v1/models each, in each protocol's auth; the Anthropic one with its version header.
    const received = fake.received.map((request) => ({
      request: `${request.method} ${request.path}`,
      auth: request.headers['authorization'] ?? `x-api-key ${String(request.headers['x-api-key'])}`,
      version: request.headers['anthropic-version'],
    }));
    expect(received.sort((left, right) => left.auth.localeCompare(right.auth))).toEqual([
      { request: 'GET /v1/models', auth: `Bearer ${goodKey}`, version: undefined },
      { request: 'GET /v1/models', auth: `Bearer ${goodKey}`, version: undefined },
      { request: 'GET /v1/models', auth: `Bearer ${wrongKey}`, version: undefined },
      { request: 'GET /v1/models', auth: `x-api-key ${goodKey}`, version: '2023-06-01' },
    ]);
  });

  it('reports an API-created provider whose key cannot be opened as not serving, without calling it', async () => {
    fake.reset();
    for (let index = 0; index < 3; index += 1) fake.enqueue(answerByKey);
    const run = await runCli(['providers', 'check', '--config', config], { cwd: directory });
    expect(normaliseRows(run.stdout)).toEqual([
      'sandbox\tskipped\t-\tbuilt-in sandbox (runs inside meridian serve)',
      'fake-ok\tok\t<n> ms\tHTTP 200',
      'fake-denied\terror\t<n> ms\tHTTP 401',
      'fake-claude\tok\t<n> ms\tHTTP 200',
      'fake-down\terror\t<n> ms\tconnection failed (ECONNREFUSED)',
      'vault-ok\terror\t-\tnot serving: secrets_unavailable',
    ]);
    expect(run.stderr).toBe('Checked 6 provider(s): 2 ok, 3 error, 1 skipped.\n');
    expect(run.exitCode).toBe(1);
    expect(fake.received).toHaveLength(3);
  });

  it('exits 0 when every provider answers', async () => {
    const okDirectory = createDirectory();
    const okConfig = writeConfig(
      okDirectory,
      `sandbox: { enabled: false }
providers:
  - { id: fake-ok, protocol: openai, base_url: "${fake.baseUrl}", api_key: "${goodKey}" }
`,
    );
    fake.reset();
    fake.enqueue(answerByKey);
    const run = await runCli(['providers', 'check', '--config', okConfig], { cwd: okDirectory });
    expect(normaliseRows(run.stdout)).toEqual(['fake-ok\tok\t<n> ms\tHTTP 200']);
    expect(run.stderr).toBe('Checked 1 provider(s): 1 ok, 0 error, 0 skipped.\n');
    expect(run.exitCode).toBe(0);
  });
});

describe('meridian models show', () => {
  it("prints a model's fields and each endpoint's published prices, by id or alias", async () => {
    const directory = createDirectory();
    const configPath = writeConfig(directory, 'aliases: { chat: meridian/sandbox-chat }\n');
    const byId = await runCli(['models', 'show', 'meridian/sandbox-chat', '--config', configPath], { cwd: directory });
    expect([byId.exitCode, byId.stderr]).toEqual([0, '']);
    const lines = byId.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'id\tmeridian/sandbox-chat',
      'name\tSandbox Chat (simulated, no real model)',
      'author\tmeridian',
      'origin\tZZ',
      'context_length\t131072',
    ]);
    expect(lines.slice(-4)).toEqual([
      'endpoints (prices in USD per 1M tokens)',
      'provider\tupstream_model\tprompt\tcompletion\tcache_read\tcache_write\treasoning\tcontext_length\tmax_output\tschedule',
      'sandbox\tsandbox-chat\t0.10\t0.40\t0.01\t-\t-\t131072\t-\t-',
      '',
    ]);
    const byAlias = await runCli(['models', 'show', 'chat', '--config', configPath], { cwd: directory });
    expect(byAlias.stdout).toBe(byId.stdout);
  });

  it('refuses an unknown model and a model without an enabled provider, each with its reason and exit 1', async () => {
    const directory = createDirectory();
    const configPath = writeConfig(directory);
    const unknown = await runCli(['models', 'show', 'nope/x', '--config', configPath], { cwd: directory });
    expect([unknown.exitCode, unknown.stdout, unknown.stderr]).toEqual([
      1,
      '',
      "meridian: model 'nope/x' is not in the catalog ('meridian models list' shows what is served)\n",
    ]);
    const off = await runCli(['models', 'show', 'deepseek/deepseek-v3.2', '--config', configPath], { cwd: directory });
    expect([off.exitCode, off.stdout, off.stderr]).toEqual([
      1,
      '',
      "meridian: model 'deepseek/deepseek-v3.2' has no enabled provider: set its provider's key variable (docs/configuration.md)\n",
    ]);
  });
});
