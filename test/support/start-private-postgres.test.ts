import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  destroyAllPrivatePostgres,
  findPostgresBinDirectory,
  findPrivatePostgresSkipReason,
  readProcessState,
  startPrivatePostgres,
} from './start-private-postgres.js';
import type { PrivatePostgres } from './start-private-postgres.js';

/**
 * The private cluster fault tests stop, restart, freeze and destroy: each step is checked against the server itself
 * (its settings, its rows, the state of every process in its tree), never against the shared 127.0.0.1:5432 server.
 */

const skipReason = findPrivatePostgresSkipReason();
let server: PrivatePostgres;
let frozenPids: number[] = [];

beforeAll(async () => {
  if (skipReason !== undefined) return;
  server = await startPrivatePostgres();
});

afterAll(async () => {
  await destroyAllPrivatePostgres();
});

function createClient(url: string, timeoutMs = 2_000): pg.Client {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined); // A server stopped under a connected client is the point of these tests.
  return client;
}

async function queryOnce(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = createClient(url);
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(skipReason !== undefined)('startPrivatePostgres', () => {
  it('finds the binaries of an installed major version', () => {
    expect(findPostgresBinDirectory()).toMatch(/^\/usr\/lib\/postgresql\/\d+(\.\d+)?\/bin$/);
  });

  it('runs its own cluster on 127.0.0.1 with the test settings', async () => {
    expect(server.port).not.toBe(5432);
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    const rows = await queryOnce(
      server.url,
      `SELECT current_setting('data_directory') AS data, current_setting('listen_addresses') AS listen,
              current_setting('fsync') AS fsync, current_setting('max_connections') AS connections,
              current_setting('unix_socket_directories') AS sockets`,
    );
    expect(rows).toEqual([
      { data: server.dataDirectory, listen: '127.0.0.1', fsync: 'off', connections: '100', sockets: '' },
    ]);
  });

  it('creates databases and rejects names that would need quoting', async () => {
    const url = await server.createDatabase('meridian_fault');
    expect(url).toBe(`postgres://postgres@127.0.0.1:${server.port}/meridian_fault`);
    expect(await queryOnce(url, 'SELECT current_database() AS name')).toEqual([{ name: 'meridian_fault' }]);
    await expect(server.createDatabase('bad; DROP')).rejects.toThrow('invalid database name "bad; DROP"');
  });

  it('stops: connected and new clients fail with connection errors, and no process is left', async () => {
    await queryOnce(server.url, 'CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)');
    await queryOnce(server.url, "INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    const connected = createClient(server.url);
    await connected.connect();
    const pidsBefore = server.listProcessIds();
    expect(pidsBefore.length).toBeGreaterThanOrEqual(2);

    await server.stop();

    await expect(connected.query('SELECT 1')).rejects.toThrow(/Connection terminated|not queryable/);
    await connected.end().catch(() => undefined);
    await expect(queryOnce(server.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(server.listProcessIds()).toEqual([]);
    expect(pidsBefore.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  });

  it('starts again on the same port with the rows kept', async () => {
    const port = server.port;
    await server.start();
    expect(server.port).toBe(port);
    expect(await queryOnce(server.url, 'SELECT id, name FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
  });

  it('freezes the postmaster and all its children: queries time out', async () => {
    const connected = createClient(server.url, 500);
    await connected.connect();
    await server.freeze();
    frozenPids = server.listProcessIds();
    const states = frozenPids.map(readProcessState);
    // The postmaster, the connected backend and the background workers (checkpointer, writers, launchers) are
    // stopped; only a backend that exited just before the freeze may linger unreaped (Z).
    expect(states.filter((state) => state === 'T').length).toBeGreaterThanOrEqual(4);
    expect(states.filter((state) => state !== 'T' && state !== 'Z')).toEqual([]);
    expect(readProcessState(frozenPids[0]!)).toBe('T');

    await expect(connected.query('SELECT 1')).rejects.toThrow('Query read timeout');
    const fresh = createClient(server.url, 500);
    await expect(fresh.connect()).rejects.toThrow('timeout expired');
    await connected.end().catch(() => undefined);
  });

  it('thaws every frozen process: queries work again', async () => {
    await server.thaw();
    expect(frozenPids.map(readProcessState).filter((state) => state === 'T')).toEqual([]);
    expect(await queryOnce(server.url, 'SELECT count(*)::integer AS count FROM items')).toEqual([{ count: 2 }]);
  });

  it('destroys: the processes and the data directory are gone', async () => {
    const pids = server.listProcessIds();
    expect(existsSync(server.dataDirectory)).toBe(true);

    await server.destroy();

    expect(existsSync(server.dataDirectory)).toBe(false);
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    await expect(server.start()).rejects.toThrow('the private PostgreSQL server was destroyed');
  });
});
