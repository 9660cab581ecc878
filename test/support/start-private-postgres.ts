import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findFreePort } from './find-free-port.js';

/** Debian's layout: one `bin/` per installed major version; the highest version wins. */
export const postgresInstallPath = '/usr/lib/postgresql';
/** initdb and each start (until a `SELECT 1` succeeds) must finish within this; a hung start fails the test. */
const startTimeoutMs = 30_000;
/** Fast shutdown gets this long before the whole process tree is SIGKILLed. */
const stopTimeoutMs = 10_000;
/** A free port found by binding port 0 can be taken before postgres binds it: try a few ports. */
const startAttemptsMax = 3;
const readyPollIntervalMs = 100;
const readyConnectTimeoutMs = 1_000;
/** SIGSTOP/SIGCONT take effect when the kernel next schedules the target; this bounds the wait for that. */
const signalSettleTimeoutMs = 5_000;
const signalPollIntervalMs = 10;
/** Rounds of list-then-stop while freezing; more than a couple means something keeps forking. */
const freezeRoundsMax = 5;
/** How much of the server log goes into an error message. */
const logTailCharactersMax = 4_000;
/** Postgres forks one level (postmaster → backends); a deeper walk would be a bug, not a bigger tree. */
const processTreeDepthMax = 4;
/** Database names this helper creates: plain lower-case identifiers, so they need no quoting rules. */
const databaseNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;
/** Fast settings for throwaway clusters: durability is worthless here, start-up time is not. */
const serverSettings = [
  'listen_addresses=127.0.0.1',
  'unix_socket_directories=',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'shared_buffers=16MB',
  'max_connections=100',
];

export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  readonly url: string;
  /** The cluster's data directory (removed by `destroy()`). */
  readonly dataDirectory: string;
  /** Creates an empty database (`name` is a lower-case identifier) and returns its url. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (SIGINT, after SIGCONT if frozen), wait for exit; SIGKILL the tree after 10 s. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data directory; resolves once it accepts queries. */
  start(): Promise<void>;
  /**
   * SIGSTOP the postmaster and every process under it (a frozen host whose sockets stay open); resolves once the
   * kernel reports each of them stopped, since signal delivery lags `kill()`.
   */
  freeze(): Promise<void>;
  /** SIGCONT every process of the tree; resolves once none of them is stopped. */
  thaw(): Promise<void>;
  /** The postmaster's pid followed by its descendants; empty when stopped. */
  listProcessIds(): number[];
  /** Stops the server and removes its directory; idempotent. */
  destroy(): Promise<void>;
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

interface ServerState {
  readonly binDirectory: string;
  /** Temp directory holding `data/` and `postgres.log`. */
  readonly directory: string;
  readonly owner: Owner | undefined;
  port: number;
  postmaster: ChildProcess | undefined;
  isDestroyed: boolean;
}

const liveServers = new Set<ServerState>();
let isExitHandlerRegistered = false;

/** The `bin/` directory of the highest installed PostgreSQL with `initdb` and `postgres`, or undefined. */
export function findPostgresBinDirectory(): string | undefined {
  let names: string[];
  try {
    names = readdirSync(postgresInstallPath);
  } catch {
    return undefined;
  }
  const versions = names.filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return versions
    .map((version) => join(postgresInstallPath, version, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')));
}

/**
 * Why private PostgreSQL tests cannot run here, or undefined when they can. With `MERIDIAN_REQUIRE_SERVICES=1` a
 * missing server is an error instead of a skip (CI machines must run these tests, never skip them silently).
 */
export function findPrivatePostgresSkipReason(): string | undefined {
  const reason = findMissingRequirement();
  if (reason === undefined) return undefined;
  if (process.env['MERIDIAN_REQUIRE_SERVICES'] === '1') {
    throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but ${reason}`);
  }
  console.warn(`Skipping private PostgreSQL tests: ${reason}.`);
  return reason;
}

function findMissingRequirement(): string | undefined {
  if (findPostgresBinDirectory() === undefined) {
    return `no initdb and postgres under ${postgresInstallPath}/*/bin (apt-get install postgresql)`;
  }
  if (isRoot() && findSystemUser('postgres') === undefined) {
    return 'running as root, and postgres refuses root, but there is no postgres system user to run it as';
  }
  return undefined;
}

/**
 * Creates a throwaway cluster in a temp directory and starts it on a free 127.0.0.1 port, never touching the
 * machine's shared server. Call `destroy()` (or `destroyAllPrivatePostgres()` in afterAll) when done.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const binDirectory = findPostgresBinDirectory();
  if (binDirectory === undefined) throw new Error(`no PostgreSQL binaries under ${postgresInstallPath}`);
  const owner = isRoot() ? findSystemUser('postgres') : undefined;
  if (isRoot() && owner === undefined) throw new Error('running as root but there is no postgres system user');
  const directory = mkdtempSync(join(tmpdir(), 'meridian-private-pg-'));
  const state: ServerState = { binDirectory, directory, owner, port: 0, postmaster: undefined, isDestroyed: false };
  liveServers.add(state);
  registerExitHandler();
  try {
    if (owner !== undefined) chownSync(directory, owner.uid, owner.gid);
    await runInitdb(state);
    await startOnFreePort(state);
  } catch (error) {
    await destroyServer(state);
    throw error;
  }
  return controlServer(state);
}

/** Destroys every private server this process started and has not destroyed yet (for afterAll). */
export async function destroyAllPrivatePostgres(): Promise<void> {
  await Promise.all([...liveServers].map((state) => destroyServer(state)));
}

function controlServer(state: ServerState): PrivatePostgres {
  const url = `postgres://postgres@127.0.0.1:${state.port}/postgres`;
  return {
    port: state.port,
    url,
    dataDirectory: join(state.directory, 'data'),
    createDatabase: (name) => createDatabase(url, name),
    stop: () => stopPostmaster(state),
    start: async () => {
      if (state.isDestroyed) throw new Error('the private PostgreSQL server was destroyed');
      if (!isRunning(state.postmaster)) await startPostmaster(state);
    },
    freeze: () => freezeTree(state),
    thaw: () => thawTree(state),
    listProcessIds: () => listTree(state),
    destroy: () => destroyServer(state),
  };
}

async function createDatabase(url: string, name: string): Promise<string> {
  if (!databaseNamePattern.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  return databaseUrl.toString();
}

async function runInitdb(state: ServerState): Promise<void> {
  const args = ['-D', 'data', '-U', 'postgres', '--auth=trust', '--no-locale', '--encoding=UTF8', '--no-sync'];
  const child = spawnLogged(state, 'initdb', args);
  const exit = await waitForExit(child, startTimeoutMs);
  if (exit === 'timeout') {
    child.kill('SIGKILL');
    await waitForExit(child, stopTimeoutMs);
  }
  if (child.exitCode !== 0) throw new Error(`initdb failed (${exit}):\n${readLogTail(state)}`);
}

async function startOnFreePort(state: ServerState): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= startAttemptsMax; attempt += 1) {
    state.port = await findFreePort();
    try {
      await startPostmaster(state);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startPostmaster(state: ServerState): Promise<void> {
  const settings = serverSettings.flatMap((setting) => ['-c', setting]);
  const child = spawnLogged(state, 'postgres', ['-D', 'data', '-p', String(state.port), ...settings]);
  state.postmaster = child;
  try {
    await waitUntilReady(state, child);
  } catch (error) {
    await killTree(state);
    throw new Error(`postgres did not start on port ${state.port}: ${String(error)}\n${readLogTail(state)}`);
  }
}

async function waitUntilReady(state: ServerState, child: ChildProcess): Promise<void> {
  const url = `postgres://postgres@127.0.0.1:${state.port}/postgres`;
  const deadlineMs = Date.now() + startTimeoutMs;
  const attemptsMax = Math.ceil(startTimeoutMs / readyPollIntervalMs);
  for (let attempt = 1; attempt <= attemptsMax && Date.now() < deadlineMs; attempt += 1) {
    if (!isRunning(child)) throw new Error(`postgres exited with ${String(child.exitCode ?? child.signalCode)}`);
    if (await canQuery(url)) return;
    await new Promise((resolve) => setTimeout(resolve, readyPollIntervalMs));
  }
  throw new Error(`postgres did not accept queries within ${startTimeoutMs} ms`);
}

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: readyConnectTimeoutMs,
    query_timeout: readyConnectTimeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function stopPostmaster(state: ServerState): Promise<void> {
  const child = state.postmaster;
  if (child === undefined || !isRunning(child)) return;
  signalAll(listTree(state), 'SIGCONT');
  child.kill('SIGINT');
  if ((await waitForExit(child, stopTimeoutMs)) === 'timeout') await killTree(state);
}

/** SIGKILL the postmaster and its descendants (they would otherwise hold the shared memory a restart needs). */
async function killTree(state: ServerState): Promise<void> {
  const child = state.postmaster;
  signalAll(listTree(state), 'SIGKILL');
  if (child !== undefined) await waitForExit(child, stopTimeoutMs);
}

/**
 * Stop the postmaster first so it forks nothing more, then its children. List again after they stopped: a fork
 * under way when the postmaster got SIGSTOP still completes and adds a child.
 */
async function freezeTree(state: ServerState): Promise<void> {
  const pid = state.postmaster?.pid;
  if (pid === undefined || !isRunning(state.postmaster)) throw new Error('the private PostgreSQL server is stopped');
  signalAll([pid], 'SIGSTOP');
  await waitForStates([pid], isStoppedOrGone, 'stopped');
  for (let round = 1; round <= freezeRoundsMax; round += 1) {
    const pids = listTree(state);
    signalAll(pids, 'SIGSTOP');
    await waitForStates(pids, isStoppedOrGone, 'stopped');
    if (listTree(state).every((listed) => pids.includes(listed))) return;
  }
  throw new Error(`the postgres process tree kept growing after ${freezeRoundsMax} rounds of SIGSTOP`);
}

async function thawTree(state: ServerState): Promise<void> {
  const pids = listTree(state);
  signalAll(pids, 'SIGCONT');
  await waitForStates(pids, (processState) => processState !== 'T', 'running');
}

/** A zombie (a backend that exited, not yet reaped by the stopped postmaster) counts as frozen: it runs no more. */
function isStoppedOrGone(processState: string | undefined): boolean {
  return processState === undefined || processState === 'T' || processState === 'Z' || processState === 'X';
}

async function waitForStates(
  pids: readonly number[],
  isWanted: (processState: string | undefined) => boolean,
  description: string,
): Promise<void> {
  const attemptsMax = Math.ceil(signalSettleTimeoutMs / signalPollIntervalMs);
  for (let attempt = 1; attempt <= attemptsMax; attempt += 1) {
    if (pids.every((pid) => isWanted(readProcessState(pid)))) return;
    await new Promise((resolve) => setTimeout(resolve, signalPollIntervalMs));
  }
  throw new Error(
    `postgres processes ${pids.join(', ')} were not all ${description} after ${signalSettleTimeoutMs} ms`,
  );
}

/** The one-letter state in /proc/<pid>/stat (after the parenthesised name, which may hold spaces); undefined once gone. */
export function readProcessState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) || undefined;
  } catch {
    return undefined;
  }
}

async function destroyServer(state: ServerState): Promise<void> {
  state.isDestroyed = true;
  await stopPostmaster(state);
  await rm(state.directory, { recursive: true, force: true });
  liveServers.delete(state);
}

function listTree(state: ServerState): number[] {
  const pid = state.postmaster?.pid;
  if (pid === undefined || !isRunning(state.postmaster)) return [];
  return [pid, ...listDescendants(pid, processTreeDepthMax)];
}

function listDescendants(pid: number, depthMax: number): number[] {
  if (depthMax === 0) return [];
  return listChildren(pid).flatMap((child) => [child, ...listDescendants(child, depthMax - 1)]);
}

/** Linux lists each thread's children in /proc; `pgrep -P` covers kernels built without that file. */
function listChildren(pid: number): number[] {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    const text = tasks.map((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')).join(' ');
    return parsePids(text);
  } catch {
    try {
      return parsePids(execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8', timeout: 5_000 }));
    } catch {
      return []; // pgrep exits 1 when there are no children; a vanished process has none either.
    }
  }
}

function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((word) => /^\d+$/.test(word))
    .map(Number);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // The process exited between listing and signalling: nothing left to signal.
    }
  }
}

/** Runs `<bin>/<program>` as the cluster owner in the temp directory, output appended to postgres.log. */
function spawnLogged(state: ServerState, program: string, args: string[]): ChildProcess {
  const logFd = openSync(join(state.directory, 'postgres.log'), 'a');
  try {
    const options: SpawnOptions = {
      cwd: state.directory,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', logFd, logFd],
      ...(state.owner === undefined ? {} : { uid: state.owner.uid, gid: state.owner.gid }),
    };
    const child = spawn(join(state.binDirectory, program), args, options);
    child.on('error', () => undefined); // Surfaces as an exit code or a failed readiness check instead.
    return child;
  } finally {
    closeSync(logFd);
  }
}

function readLogTail(state: ServerState): string {
  try {
    return readFileSync(join(state.directory, 'postgres.log'), 'utf8').slice(-logTailCharactersMax);
  } catch {
    return '(no log)';
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<'exited' | 'timeout'> {
  return new Promise((resolve) => {
    if (!isRunning(child)) return resolve('exited');
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve('exited');
    });
  });
}

function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function findSystemUser(name: string): Owner | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  const fields =
    passwd
      .split('\n')
      .find((entry) => entry.startsWith(`${name}:`))
      ?.split(':') ?? [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) && fields.length >= 4 ? { uid, gid } : undefined;
}

/** A test runner that exits without afterAll (a crash, process.exit) must not leave clusters running. */
function registerExitHandler(): void {
  if (isExitHandlerRegistered) return;
  isExitHandlerRegistered = true;
  process.on('exit', () => {
    for (const state of liveServers) {
      signalAll(listTree(state), 'SIGKILL');
      try {
        rmSync(state.directory, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // A dying backend may still be writing; the directory is under tmpdir and holds no secrets.
      }
    }
  });
}
