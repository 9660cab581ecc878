import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';

/**
 * `--json` on the CLI's read commands, run from the built `dist/main.js`: stdout is one JSON document (nothing else:
 * notes go to stderr), with the management API's field names and values where the API has the same view — the
 * same serializers answer both, so the CLI's JSON is compared with a gateway's answers on the same storage.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'meridian-cli-json-'));
const config = join(directory, 'meridian.yaml');
let closedPort = 0;

interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', MERIDIAN_LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [mainPath, ...args, '--config', config],
      { cwd: directory, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ exitCode: error === null ? 0 : typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Runs a `--json` command that succeeds and returns its stdout parsed (JSON.parse fails on anything else there). */
async function runJson(args: readonly string[]): Promise<unknown> {
  const run = await runCli([...args, '--json']);
  expect(run.exitCode).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a gateway on the same storage answers, read before the CLI runs. */
const api: Record<string, unknown> = {};

beforeAll(async () => {
  closedPort = await findClosedPort();
  writeFileSync(
    config,
    [
      `storage: { url: "sqlite:${directory}/data/meridian.db" }`,
      `data_dir: "${directory}/data"`,
      `admin: { key: "${testAdminKey}" }`,
      'orgs:',
      '  - { id: acme, credits: "12.5" }',
      'providers:',
      `  - { id: local-down, protocol: openai, base_url: "http://127.0.0.1:${closedPort}/v1", api_key: "sk-local-0123456789" }`,
      '',
    ].join('\n'),
  );
  const gateway = await startGatewayProcess({ configYaml: readFileSync(config, 'utf8'), directory });
  try {
    const get = async (path: string): Promise<unknown> => {
      const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${testAdminKey}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: unknown }).data;
    };
    api['models'] = await get('/api/v1/models');
    api['keys'] = await get('/api/v1/keys');
    api['orgs'] = await get('/api/v1/orgs');
    api['rankings'] = await get('/api/v1/rankings?measure=spend&by=provider&period=month');
  } finally {
    await gateway.stop();
  }
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('meridian <read command> --json', () => {
  it('keys list: an array of keys as GET /api/v1/keys renders them, never a secret', async () => {
    const keys = (await runJson(['keys', 'list'])) as Record<string, unknown>[];
    expect(keys).toEqual(api['keys']);
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]!)).toEqual([
      'id',
      'name',
      'label',
      'org_id',
      'role',
      'created_at',
      'disabled',
      'revoked',
      'limit',
      'limit_nanos',
      'limit_reset',
      'expires_at',
      'allowed_models',
      'requests_per_minute',
      'tokens_per_minute',
      'concurrency',
    ]);
    expect(keys[0]).toMatchObject({ org_id: 'default', role: 'admin', label: 'test...cdef', revoked: false });
  });

  it('credits balance: USD numbers and exact nano-USD text, as the org list renders them', async () => {
    const balance = await runJson(['credits', 'balance', 'acme']);
    expect(balance).toEqual({
      org_id: 'acme',
      total_credits: 12.5,
      total_usage: 0,
      available: 12.5,
      held: 0,
      total_credits_nanos: '12500000000',
      total_usage_nanos: '0',
      available_nanos: '12500000000',
      held_nanos: '0',
    });
    const org = (api['orgs'] as Record<string, unknown>[]).find((item) => item['id'] === 'acme')!;
    for (const [name, value] of Object.entries(balance as Record<string, unknown>)) {
      if (name !== 'org_id') expect([name, org[name]]).toEqual([name, value]);
    }
  });

  it('models list and models show: the model objects GET /v1/models answers', async () => {
    const models = (await runJson(['models', 'list'])) as { id: string }[];
    expect(models).toEqual(api['models']);
    expect(models.length).toBeGreaterThan(0);
    expect(await runJson(['models', 'show', models[0]!.id])).toEqual(models[0]);
  });

  it('rankings: the barometer as GET /api/v1/rankings answers it, money as { usd, nanos }', async () => {
    const rankings = await runJson(['rankings', '--measure', 'spend', '--by', 'provider', '--period', 'month']);
    expect(rankings).toEqual(api['rankings']);
    expect(rankings).toMatchObject({ measure: 'spend', by: 'provider', total: { usd: 0, nanos: '0' }, rows: [] });
  });

  it('providers list: one object per provider, never a key', async () => {
    expect(await runJson(['providers', 'list'])).toEqual([
      {
        id: 'sandbox',
        source: 'builtin',
        protocol: 'openai-chat',
        base_url: 'http://127.0.0.1:0/v1',
        key: 'none',
        status: 'active',
      },
      {
        id: 'local-down',
        source: 'config',
        protocol: 'openai-chat',
        base_url: `http://127.0.0.1:${closedPort}/v1`,
        key: 'set',
        status: 'active',
      },
    ]);
  });

  it('providers list without --json: the same rows, tab-separated', async () => {
    expect(await runCli(['providers', 'list'])).toEqual({
      exitCode: 0,
      stdout: [
        'sandbox\tbuiltin\topenai-chat\thttp://127.0.0.1:0/v1\tnone\tactive',
        `local-down\tconfig\topenai-chat\thttp://127.0.0.1:${closedPort}/v1\tset\tactive`,
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('providers check: one object per probe, the summary on stderr, exit code 1 on a failure', async () => {
    const run = await runCli(['providers', 'check', '--json']);
    expect([run.exitCode, run.stderr]).toEqual([1, 'Checked 2 provider(s): 0 ok, 1 error, 1 skipped.\n']);
    const rows = JSON.parse(run.stdout) as { latency_ms: unknown }[];
    // Latency varies from run to run: a number of milliseconds when a request was sent, null when none was.
    expect(rows[0]!.latency_ms).toBeNull();
    expect(typeof rows[1]!.latency_ms).toBe('number');
    expect(rows.map((row) => ({ ...row, latency_ms: typeof row.latency_ms }))).toEqual([
      {
        id: 'sandbox',
        result: 'skipped',
        latency_ms: 'object',
        detail: 'built-in sandbox (runs inside meridian serve)',
      },
      { id: 'local-down', result: 'error', latency_ms: 'number', detail: 'connection failed (ECONNREFUSED)' },
    ]);
  });

  it('ledger verify: every invariant with ok and failures; exit code 1 when one fails', async () => {
    const verified = (await runJson(['ledger', 'verify'])) as { ok: boolean; invariants: Record<string, unknown>[] };
    expect(verified.ok).toBe(true);
    expect(verified.invariants.map((item) => [item['id'], item['ok'], item['failures']])).toEqual(
      ['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5', 'INV-6', 'INV-7', 'INV-8'].map((id) => [id, true, []]),
    );
    expect(Object.keys(verified.invariants[0]!)).toEqual(['id', 'title', 'ok', 'failures', 'note']);
    const database = new Database(join(directory, 'data', 'meridian.db'));
    database.exec('DROP TRIGGER ledger_postings_no_update');
    database.close();
    const broken = await runCli(['ledger', 'verify', '--json']);
    expect([broken.exitCode, broken.stderr]).toEqual([1, '']);
    const report = JSON.parse(broken.stdout) as { ok: boolean; invariants: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(report.invariants[0]).toEqual({
      id: 'INV-1',
      title: 'Conservation',
      ok: false,
      failures: ['an append-only trigger on ledger_postings is missing'],
      note: null,
    });
  });
});
