import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findSystemUser, isRoot } from './start-private-postgres.js';
import { findFreePort } from './find-free-port.js';

/** Debian's `pgbouncer` package (CI installs it: .ci/run). */
export const pgbouncerPath = '/usr/sbin/pgbouncer';
/** Until a `SELECT 1` through it succeeds; a pooler that does not come up fails the test. */
const startTimeoutMs = 15_000;
const readyPollIntervalMs = 100;
const stopTimeoutMs = 5_000;
const logTailCharactersMax = 4_000;

export interface Pgbouncer {
  readonly port: number;
  /** The same database, reached through the pooler: `postgres://<user>@127.0.0.1:<port>/<database>`. */
  urlFor(databaseUrl: string): string;
  /** SIGINT (immediate shutdown), then SIGKILL after 5 s; removes its directory. */
  stop(): Promise<void>;
}

/**
 * Why PgBouncer tests cannot run here, or undefined when they can. With `MERIDIAN_REQUIRE_SERVICES=1` (CI) a missing
 * pooler is an error instead of a skip.
 */
export function findPgbouncerSkipReason(): string | undefined {
  const reason = findMissingRequirement();
  if (reason === undefined) return undefined;
  if (process.env['MERIDIAN_REQUIRE_SERVICES'] === '1') throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`Skipping PgBouncer tests: ${reason}.`);
  return reason;
}

function findMissingRequirement(): string | undefined {
  if (!existsSync(pgbouncerPath)) return `no ${pgbouncerPath} (apt-get install pgbouncer)`;
  if (isRoot() && findSystemUser('postgres') === undefined) {
    return 'running as root, and pgbouncer refuses root, but there is no postgres system user to run it as';
  }
  return undefined;
}

/**
 * Starts a private PgBouncer on a free 127.0.0.1 port in front of the server `databaseUrl` names, in transaction
 * mode (each transaction may run on another server connection, as production poolers are usually set up), trust
 * authentication for that URL's user, and PgBouncer's own defaults otherwise: it refuses startup parameters it does
 * not track.
 */
export async function startPgbouncer(
  databaseUrl: string,
  options: {
    /** PgBouncer's `ignore_startup_parameters`: accepted at connection start, then dropped (not sent on). */
    readonly ignoredStartupParameters?: readonly string[];
  } = {},
): Promise<Pgbouncer> {
  const target = new URL(databaseUrl);
  const user = decodeURIComponent(target.username);
  const directory = mkdtempSync(join(tmpdir(), 'meridian-pgbouncer-'));
  const port = await findFreePort();
  writeFileSync(join(directory, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(directory, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(directory, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 20',
      `logfile = ${join(directory, 'pgbouncer.log')}`,
      ...(options.ignoredStartupParameters === undefined
        ? []
        : [`ignore_startup_parameters = ${options.ignoredStartupParameters.join(',')}`]),
      '',
    ].join('\n'),
  );
  const owner = isRoot() ? findSystemUser('postgres') : undefined;
  if (owner !== undefined)
    for (const name of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(directory, name), owner.uid, owner.gid);
  const child = spawn(pgbouncerPath, [join(directory, 'pgbouncer.ini')], {
    cwd: directory,
    stdio: 'ignore',
    ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
  });
  child.on('error', () => undefined); // Surfaces as a failed readiness check instead.
  running.add(child);
  registerExitHandler();
  const url = (databaseUrl: string): string => {
    const through = new URL(databaseUrl);
    through.hostname = '127.0.0.1';
    through.port = String(port);
    return through.toString();
  };
  try {
    await waitUntilReady(url(databaseUrl), child, directory);
  } catch (error) {
    await stopProcess(child, directory);
    throw error;
  }
  return { port, urlFor: url, stop: () => stopProcess(child, directory) };
}

async function waitUntilReady(url: string, child: ChildProcess, directory: string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${readLogTail(directory)}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `pgbouncer did not answer in ${startTimeoutMs} ms (${String(error)}):\n${readLogTail(directory)}`,
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, readyPollIntervalMs));
  }
}

const running = new Set<ChildProcess>();
let isExitHandlerRegistered = false;

/** A test runner that exits without afterAll (a crash, process.exit) must not leave a pooler running. */
function registerExitHandler(): void {
  if (isExitHandlerRegistered) return;
  isExitHandlerRegistered = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

async function stopProcess(child: ChildProcess, directory: string): Promise<void> {
  running.delete(child);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }
  await rm(directory, { recursive: true, force: true });
}

function readLogTail(directory: string): string {
  try {
    return readFileSync(join(directory, 'pgbouncer.log'), 'utf8').slice(-logTailCharactersMax);
  } catch {
    return '(no log)';
  }
}
