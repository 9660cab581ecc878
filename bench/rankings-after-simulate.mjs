// PRODUCT.md §8 / issue 7: "after `meridian simulate --weeks 8`, a rankings query for one week answers in ≤ 50 ms
// p95 over the rollups". Runs the built CLI's `simulate` into a temporary data directory, then times week rankings
// (by model, author, origin, app and provider × total tokens, requests, spend and cached tokens, over every week of
// the window) twice: straight over the storage (the query alone) and through `GET /api/v1/rankings` of a gateway
// started on that directory (authentication, query, JSON). Prints p50/p95/p99/max; asserts nothing.
// Usage: npm run build && node bench/rankings-after-simulate.mjs [weeks=8] [queries=200]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, URL, URLSearchParams } from 'node:url';
import { request } from 'undici';
import { openSqliteStorage } from '../dist/storage/index.js';

const weeks = Number(process.argv[2] ?? 8);
const queries = Number(process.argv[3] ?? 200);
const mainPath = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const adminKey = 'bench-admin-key-0123456789abcdef';
const dayMs = 86_400_000;
const dimensions = ['model', 'author', 'origin', 'app', 'provider'];
const measures = ['total_tokens', 'requests', 'spend', 'cached_tokens'];

const directory = mkdtempSync(join(tmpdir(), 'meridian-bench-simulate-'));
const configPath = join(directory, 'meridian.yaml');
writeFileSync(
  configPath,
  [
    'server: { host: 127.0.0.1, port: 0 }',
    `storage: { url: "sqlite:${join(directory, 'meridian.db')}" }`,
    `data_dir: "${directory}"`,
    `admin: { key: "${adminKey}" }`,
    'sandbox: { enabled: false }',
    '',
  ].join('\n'),
);
const environment = { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '' };

/** Every day of the window's weeks, one per week: the Monday of each ISO week the window touches. */
function weekDates(endMs) {
  const dates = [];
  for (let week = weeks - 1; week >= 0; week -= 1) {
    const day = Math.floor((endMs - week * 7 * dayMs - 1) / dayMs);
    dates.push(new Date((day - ((day + 3) % 7)) * dayMs).toISOString().slice(0, 10));
  }
  return dates;
}

/** The i-th query of the run: cycles through dimensions × measures, and through the weeks. */
function queryAt(index, dates) {
  const combination = index % (dimensions.length * measures.length);
  return {
    period: 'week',
    by: dimensions[combination % dimensions.length],
    measure: measures[Math.floor(combination / dimensions.length)],
    date: dates[index % dates.length],
  };
}

function summarize(label, millis) {
  const sorted = [...millis].sort((left, right) => left - right);
  const at = (quantile) => sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)].toFixed(2);
  const p95 = Number(at(0.95));
  console.log(
    `${label.padEnd(34)} n=${sorted.length}  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms` +
      `  (target p95 ≤ 50 ms: ${p95 <= 50 ? 'met' : 'NOT met'})`,
  );
}

function timeDirect(dates) {
  const storage = openSqliteStorage({ path: join(directory, 'meridian.db') });
  try {
    for (let index = 0; index < queries; index += 1) storage.analytics.rankings(queryAt(index, dates)); // warm-up
    const wall = [];
    const cpu = [];
    for (let index = 0; index < queries; index += 1) {
      const startedAt = performance.now();
      const cpuAtStart = process.cpuUsage();
      storage.analytics.rankings(queryAt(index, dates));
      const used = process.cpuUsage(cpuAtStart);
      wall.push(performance.now() - startedAt);
      cpu.push((used.user + used.system) / 1000);
    }
    summarize('storage.analytics.rankings, wall', wall);
    summarize('storage.analytics.rankings, CPU', cpu);
  } finally {
    storage.close();
  }
}

async function startGateway() {
  const child = spawn(process.execPath, [mainPath, 'serve', '--config', configPath], {
    cwd: directory,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /Meridian listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
  });
  return { url, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

async function timeHttp(dates) {
  const gateway = await startGateway();
  try {
    const get = async (index) => {
      const query = new URLSearchParams(queryAt(index, dates)).toString();
      const response = await request(`${gateway.url}/api/v1/rankings?${query}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`GET /api/v1/rankings?${query}: ${response.statusCode}`);
    };
    for (let index = 0; index < queries; index += 1) await get(index); // warm-up
    const wall = [];
    for (let index = 0; index < queries; index += 1) {
      const startedAt = performance.now();
      await get(index);
      wall.push(performance.now() - startedAt);
    }
    summarize('GET /api/v1/rankings, wall', wall);
  } finally {
    await gateway.stop();
  }
}

try {
  const startedAt = performance.now();
  const args = [mainPath, 'simulate', '--weeks', String(weeks), '--config', configPath];
  const summary = execFileSync(process.execPath, args, {
    env: environment,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endMs = Date.now();
  console.log(summary.trim());
  console.log(`simulate --weeks ${weeks}: ${((performance.now() - startedAt) / 1000).toFixed(1)} s wall\n`);
  const dates = weekDates(endMs);
  timeDirect(dates);
  await timeHttp(dates);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
