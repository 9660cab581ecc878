import { statfsSync } from 'node:fs';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';

/**
 * SQLite result codes (better-sqlite3's `code`, primary or extended) that mean "this database cannot be written now"
 * rather than "this statement is wrong": a full disk, an I/O error, a read-only file system, a file that cannot be
 * opened, the write lock held elsewhere past the busy timeout, a damaged file.
 */
const writeFailureCodes = [
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_PROTOCOL',
];

/** Whether an error says the database cannot be written (see {@link writeFailureCodes}), not that a statement failed. */
export function isSqliteWriteFailure(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && writeFailureCodes.some((name) => code === name || code.startsWith(`${name}_`));
}

/** Why the database is not written to: a write failed, or the disk has less free space than the floor. */
export type WriteHealth =
  | { readonly isWritable: true }
  | { readonly isWritable: false; readonly reason: 'write_failed' | 'disk_low'; readonly detail: string };

/** The error a model call gets while the embedded database cannot be written: 503 `ledger_unavailable`. */
export function createStorageUnwritableError(cause?: unknown): GatewayError {
  return new GatewayError({
    code: 'ledger_unavailable',
    message:
      'The gateway cannot write its database right now (disk full, read-only or failing); nothing was charged. ' +
      'Retry shortly.',
    retryAfterSeconds: limits.ledgerUnavailableRetryAfterSeconds,
    ...(cause === undefined ? {} : { cause }),
  });
}

export interface SqliteWriteBreaker {
  readonly health: WriteHealth;
  /** Throws 503 `ledger_unavailable` while the database is not writable: before a call goes upstream. */
  assertWritable(): void;
  /**
   * Runs a write. A failure of the database itself (not of the statement) marks it unwritable and becomes 503
   * `ledger_unavailable`; other errors pass through unchanged.
   */
  guardWrite<T>(write: () => T): T;
  /** A write elsewhere failed (the hold book's own flush): marks the database unwritable if it was that kind. */
  noteFailure(error: unknown): void;
  /**
   * Reads the free space, and while unwritable probes with a one-row write: what the timer runs every
   * `limits.sqliteWriteCheckIntervalMs`.
   */
  check(): void;
  close(): void;
}

export interface SqliteWriteBreakerOptions {
  /** The folder the database file is in (its file system's free space is read). */
  readonly directory: string;
  /** Below this many free bytes, new calls are refused (config `storage.sqlite_free_bytes_min`; 0: not read). */
  readonly freeBytesMin: number;
  /** A small write in its own transaction; it succeeding means the database can be written again. */
  readonly probe: () => void;
  /** Called on every change between writable and not (the node logs it). */
  readonly onChange?: (health: WriteHealth) => void;
  /** Free bytes for an unprivileged user on the directory's file system (tests stand in for it). */
  readonly readFreeBytes?: (directory: string) => number;
  /** Checks on a timer every `limits.sqliteWriteCheckIntervalMs` (default true; tests call `check`). */
  readonly isTimed?: boolean;
}

function readFreeBytesOf(directory: string): number {
  const stats = statfsSync(directory);
  return stats.bavail * stats.bsize;
}

/**
 * The embedded node's guard against a database it cannot write. Writing is what makes a call billable: a node that
 * cannot store the settlement of a call should not make the call. So while the database's disk has less free space
 * than the floor, or since a write failed for a reason of the database itself, model calls are refused with 503
 * `ledger_unavailable` before any upstream request (and `/readyz` answers 503). The floor leaves room for the calls
 * already in flight to settle. It closes again by itself: once the free space is back above the floor, or a probe
 * write succeeds.
 */
export function createSqliteWriteBreaker(options: SqliteWriteBreakerOptions): SqliteWriteBreaker {
  const readFreeBytes = options.readFreeBytes ?? readFreeBytesOf;
  let health: WriteHealth = { isWritable: true };

  const stateOf = (of: WriteHealth): string => (of.isWritable ? 'writable' : of.reason);

  function setHealth(next: WriteHealth): void {
    const isChange = stateOf(next) !== stateOf(health);
    health = next;
    if (isChange) options.onChange?.(next);
  }

  function noteFailure(error: unknown): void {
    if (isSqliteWriteFailure(error)) setHealth({ isWritable: false, reason: 'write_failed', detail: String(error) });
  }

  /** Free bytes below the floor, as a reason; undefined when above it, not checked, or not readable. */
  function findLowDisk(): string | undefined {
    if (options.freeBytesMin <= 0) return undefined;
    let free: number;
    try {
      free = readFreeBytes(options.directory);
    } catch {
      return undefined;
    }
    if (free >= options.freeBytesMin) return undefined;
    return `${free} bytes free on the database's disk, below storage.sqlite_free_bytes_min (${options.freeBytesMin})`;
  }

  function check(): void {
    const lowDisk = findLowDisk();
    if (lowDisk !== undefined) return setHealth({ isWritable: false, reason: 'disk_low', detail: lowDisk });
    if (health.isWritable) return;
    try {
      options.probe();
      setHealth({ isWritable: true });
    } catch (error) {
      setHealth({ isWritable: false, reason: 'write_failed', detail: String(error) });
    }
  }

  check();
  const timer = options.isTimed === false ? undefined : setInterval(check, limits.sqliteWriteCheckIntervalMs);
  timer?.unref();

  return {
    get health() {
      return health;
    },
    assertWritable() {
      if (!health.isWritable) throw createStorageUnwritableError();
    },
    guardWrite(write) {
      try {
        return write();
      } catch (error) {
        if (!isSqliteWriteFailure(error)) throw error;
        noteFailure(error);
        throw createStorageUnwritableError(error);
      }
    },
    noteFailure,
    check,
    close: () => clearInterval(timer),
  };
}
