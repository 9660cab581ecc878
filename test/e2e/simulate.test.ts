import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * `meridian simulate --weeks 2` on a fresh data directory, through the built CLI: the window ends on Monday
 * 2026-04-06, so its last week is MARKET.md's Mar 30–Apr 5. Then the ledger verifies, every generation's hold is
 * posted with the generation's cost, the charges add up to the costs to the nano, and the rankings (CLI and API)
 * show the seeded market: Qwen3.6 Plus first, Chinese models at their reported share of the calls.
 */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);
let directory: string;
let configPath: string;
let simulated: { stdout: string; stderr: string };

const cli = (...args: string[]) =>
  run(process.execPath, [mainPath, ...args, '--config', configPath], {
    cwd: directory,
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '' },
  });

const config = (dir: string) => `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:${dir}/meridian.db" }
data_dir: "${dir}"
admin: { key: "${testAdminKey}" }
sandbox: { enabled: false }
`;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'meridian-simulate-'));
  configPath = join(directory, 'meridian.yaml');
  writeFileSync(configPath, config(directory));
  simulated = await cli('simulate', '--weeks', '2', '--until', '2026-04-06');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('meridian simulate --weeks 2', () => {
  it('reports its progress on stderr and a summary on stdout', () => {
    // stderr is a pipe here: one line per 10 %, ending at 100 %.
    expect(simulated.stderr.trim().split('\n').at(-1)).toBe('simulate: 100% (3,609/3,609 requests)');
    expect(simulated.stdout).toContain(
      'Simulated 3,609 requests from 2026-03-23 to 2026-04-05 (2 weeks, seed 1) for 10 apps, 9 orgs (sim-…) and 14 keys.',
    );
    expect(simulated.stdout).toContain('Last 7 days: Chinese models 81.1% of tokens, US models 18.9%.');
    expect(simulated.stdout).toContain('See the barometer: meridian rankings --date 2026-03-30');
  });

  it('leaves a ledger that verifies', async () => {
    const { stdout } = await cli('ledger', 'verify');
    expect(stdout).toContain('INV-1');
    expect(stdout).not.toContain('✗');
  });

  it('settles every generation’s hold: none left active, each posted with the generation’s cost', () => {
    const database = new Database(join(directory, 'meridian.db'), { readonly: true });
    database.defaultSafeIntegers(true);
    try {
      const count = (sql: string): bigint => (database.prepare(sql).get() as { count: bigint }).count;
      expect(count('SELECT COUNT(*) AS count FROM generations')).toBe(3_609n);
      expect(count(`SELECT COUNT(*) AS count FROM ledger_holds WHERE status = 'active'`)).toBe(0n);
      expect(
        count(`SELECT COUNT(*) AS count FROM generations g LEFT JOIN ledger_holds h ON h.request_id = g.id
               WHERE h.status IS NOT 'posted' OR h.charged_nanos <> g.cost_nanos`),
      ).toBe(0n);
      const charged = count(`SELECT SUM(amount) AS count FROM ledger_postings WHERE kind = 'charge'`);
      const costs = count('SELECT SUM(cost_nanos) AS count FROM generations');
      expect(charged).toBe(costs);
      expect(costs).toBeGreaterThan(0n);
      expect(count(`SELECT COUNT(*) AS count FROM generations WHERE org_id NOT LIKE 'sim-%'`)).toBe(0n);
    } finally {
      database.close();
    }
  });

  it('prints Qwen3.6 Plus first in the rankings of the last week, and Chinese models first by origin', async () => {
    const byModel = (await cli('rankings', '--date', '2026-03-30')).stdout.split('\n');
    expect(byModel[0]).toBe('week 2026-03-30T00:00:00+00:00 – 2026-04-06T00:00:00+00:00');
    expect(byModel[2]).toMatch(/^1 {3}qwen\/qwen3\.6-plus /);
    const byOrigin = (await cli('rankings', '--date', '2026-03-30', '--by', 'origin')).stdout.split('\n');
    expect(byOrigin[2]).toMatch(/^1 {2}CN /);
  });

  it('refuses to add simulated traffic twice without --force', async () => {
    await expect(cli('simulate', '--weeks', '1')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already holds simulated traffic') as unknown,
    });
  });
});

describe('the rankings API over simulated traffic', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess({ directory, configYaml: config(directory) });
  });

  afterAll(async () => {
    await gateway.stop();
  });

  async function rankings(query: string): Promise<{ key: string; value: number; share: number }[]> {
    const response = await fetch(`${gateway.url}/api/v1/rankings?period=week&date=2026-03-30&${query}`, {
      headers: { authorization: `Bearer ${testAdminKey}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: { rows: { key: string; value: number; share: number }[] } }).data.rows;
  }

  it('answers the seeded week exactly', async () => {
    const byModel = await rankings('by=model&measure=total_tokens&limit=3');
    // The seeded calls' reported tokens, plus the gateway's estimate of the (placeholder) prompt of calls that
    // failed before any output: 27 516 760 + 286 for Qwen3.6 Plus.
    expect(byModel.map((row) => [row.key, row.value])).toEqual([
      ['qwen/qwen3.6-plus', 27_517_046],
      ['xiaomi/mimo-v2-pro', 10_460_343],
      ['stepfun/step-3.5-flash', 8_519_231],
    ]);
    const requests = await rankings('by=model&measure=requests&limit=1');
    expect(requests.map((row) => [row.key, row.value])).toEqual([['qwen/qwen3.6-plus', 588]]);
    const byOrigin = await rankings('by=origin&measure=requests');
    // MARKET.md's Mar 30–Apr 5: Chinese models 12.96 T of 15.99 T, 81.05 % of the week's 2 000 calls.
    expect(byOrigin.map((row) => [row.key, row.value])).toEqual([
      ['CN', 1_621],
      ['US', 379],
    ]);
  });
});

describe('a gateway with generation_retention_days over the simulated traffic', () => {
  it('deletes the records past the retention at start, and leaves the rankings and the ledger as they were', async () => {
    const rankingsQuery = '/api/v1/rankings?period=week&date=2026-03-30&by=model&measure=total_tokens&limit=3';
    const readRankings = async (url: string) => {
      const response = await fetch(`${url}${rankingsQuery}`, { headers: { authorization: `Bearer ${testAdminKey}` } });
      return ((await response.json()) as { data: { rows: unknown[] } }).data.rows;
    };
    const readRankingsOnce = async () => {
      const plain = await startGatewayProcess({ directory, configYaml: config(directory) });
      try {
        return await readRankings(plain.url);
      } finally {
        await plain.stop();
      }
    };
    const countRows = () => {
      const database = new Database(join(directory, 'meridian.db'), { readonly: true });
      try {
        const count = (table: string) =>
          (database.prepare(`SELECT COUNT(*) AS count FROM ${table}`).get() as { count: number }).count;
        return { generations: count('generations'), postings: count('ledger_postings') };
      } finally {
        database.close();
      }
    };
    const before = { ...countRows(), rankings: await readRankingsOnce() };
    expect([before.generations, before.rankings.length]).toEqual([3_609, 3]);
    // The simulated window ended on 2026-04-05: every record is more than 7 days old now.
    const retained = config(directory).replace('storage: {', 'storage: { generation_retention_days: 7,');
    const gateway = await startGatewayProcess({ directory, configYaml: retained, env: { MERIDIAN_LOG_LEVEL: 'info' } });
    try {
      for (let attempt = 0; attempt < 50 && !gateway.output.join('').includes('"generations_purged"'); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(gateway.output.join('')).toContain('"event":"generations_purged","count":3609,"retentionDays":7');
      expect(await readRankings(gateway.url)).toEqual(before.rankings);
    } finally {
      await gateway.stop();
    }
    expect(countRows()).toEqual({ generations: 0, postings: before.postings });
    const { stdout } = await cli('ledger', 'verify');
    expect(stdout).not.toContain('✗');
  });
});
