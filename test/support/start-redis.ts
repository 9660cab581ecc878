import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findFreePort } from './find-free-port.js';

/** The Debian package's binary; tests never use a shared Redis (fault tests stop and freeze theirs). */
export const redisServerPath = '/usr/bin/redis-server';
const startTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;
const startAttemptsMax = 3;

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGTERM (after SIGCONT if frozen), then wait for exit; SIGKILL if it takes longer than 5 s. */
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its socket open but answers nothing (a hung host, a GC pause, a full disk). */
  freeze(): void;
  /** SIGCONT: the frozen server runs again and works through what was sent meanwhile. */
  thaw(): void;
  /** SIGKILL, then wait for exit. */
  kill(): Promise<void>;
}

/**
 * Why Redis tests cannot run here, or undefined when they can. With `MERIDIAN_REQUIRE_SERVICES=1` a missing
 * server is an error instead of a skip (CI machines must run these tests, never skip them silently).
 */
export function findRedisSkipReason(): string | undefined {
  if (existsSync(redisServerPath)) return undefined;
  const reason = `${redisServerPath} is missing (apt-get install redis-server)`;
  if (process.env['MERIDIAN_REQUIRE_SERVICES'] === '1') {
    throw new Error(`MERIDIAN_REQUIRE_SERVICES=1 but ${reason}`);
  }
  console.warn(`Skipping Redis tests: ${reason}.`);
  return reason;
}

/** Starts a private `redis-server` on a free 127.0.0.1 port, with no persistence. */
export async function startRedis(): Promise<RedisServer> {
  let lastError: unknown;
  // A free port found by binding port 0 can be taken before redis-server binds it: try a few ports.
  for (let attempt = 1; attempt <= startAttemptsMax; attempt += 1) {
    const port = await findFreePort();
    try {
      const child = await spawnRedis(port);
      return controlRedis(child, port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function controlRedis(child: ChildProcess, port: number): RedisServer {
  const waitForExit = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await waitForExit();
      clearTimeout(timer);
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    kill: async () => {
      child.kill('SIGKILL');
      await waitForExit();
    },
  };
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(redisServerPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start in ${startTimeoutMs} ms:\n${output.join('')}`));
    }, startTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.join('').includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}:\n${output.join('')}`));
    });
  });
}
