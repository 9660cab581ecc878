import type { EventEmitter } from 'node:events';

/** What the availability guard asks of a pool: whether PostgreSQL is answering the work the node gave it. */
export interface PoolLiveness {
  /**
   * How long, at `nowMs`, the pool has had a connection checked out (or opening) while no connection of it heard from
   * PostgreSQL (a statement completed, a connection opened); 0 while none is.
   */
  stalledForMs(nowMs: number): number;
}

/** A pooled client as the watcher sees it: `pg`'s Client, whose connection emits each message from the server. */
interface WatchedClient {
  readonly connection: EventEmitter;
}

/** A pool as the watcher sees it: `pg`'s, or a fake with its events and counts. */
export interface WatchedPool extends EventEmitter {
  /** Connections open, opening or checked out. */
  readonly totalCount: number;
  /** Connections open and idle. */
  readonly idleCount: number;
}

/**
 * Watches a pool for answers from PostgreSQL, so that waiting for a connection is told apart from PostgreSQL not
 * answering (ADR 2026-11-30-cluster-storage, starved-node amendment). A call that waits in the pool's queue while the
 * server completes other statements is the node's own load; a frozen server completes none. Every statement ends in a
 * ReadyForQuery message on its connection, and a connection opened is an answer too. The server is waited on while a
 * connection is checked out or opening; checking one out of a quiet pool starts the clock afresh (nothing was asked of
 * the server before). A connection opening in a quiet pool does not (the pool tells no one it started): its silence
 * may count from an earlier answer, which only shortens the time it has to open before `limits.postgresConnectTimeoutMs`
 * fails it anyway.
 */
export function watchPoolLiveness(pool: WatchedPool, now: () => number = Date.now): PoolLiveness {
  let checkedOutCount = 0;
  let answeredAtMs = now();
  const noteAnswer = (): void => {
    answeredAtMs = now();
  };
  pool.on('connect', (client: WatchedClient) => {
    noteAnswer();
    client.connection.on('readyForQuery', noteAnswer);
  });
  pool.on('acquire', () => {
    if (checkedOutCount === 0) noteAnswer();
    checkedOutCount += 1;
  });
  pool.on('release', () => {
    checkedOutCount -= 1;
  });
  return {
    stalledForMs: (nowMs) => (pool.totalCount > pool.idleCount ? Math.max(0, nowMs - answeredAtMs) : 0),
  };
}
