import { EventEmitter } from 'node:events';
import type { WatchedPool } from './watch-pool-liveness.js';

/** A fake `pg` pool for the liveness watcher: connections opened, checked out and given back, statements answered. */
export interface FakePool {
  readonly pool: WatchedPool;
  /** Opens a connection (idle) and returns it; it emits what PostgreSQL sends on it. */
  open(): EventEmitter;
  checkOut(): void;
  giveBack(): void;
}

class CountingPool extends EventEmitter implements WatchedPool {
  totalCount = 0;
  idleCount = 0;
}

/** A pool that emits `pg-pool`'s events and keeps its counts as they would be. */
export function createFakePool(): FakePool {
  const pool = new CountingPool();
  return {
    pool,
    open: () => {
      const connection = new EventEmitter();
      pool.totalCount += 1;
      pool.idleCount += 1;
      pool.emit('connect', { connection });
      return connection;
    },
    checkOut: () => {
      pool.idleCount -= 1;
      pool.emit('acquire');
    },
    giveBack: () => {
      pool.emit('release');
      pool.idleCount += 1;
    },
  };
}
