import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import { createSqliteWriteBreaker, isSqliteWriteFailure } from './sqlite-write-breaker.js';
import type { WriteHealth } from './sqlite-write-breaker.js';

/** An error shaped like better-sqlite3's SqliteError. */
function sqliteError(code: string): Error {
  return Object.assign(new Error(code === 'SQLITE_FULL' ? 'database or disk is full' : code), { code });
}

function createTestBreaker(options: { freeBytes?: number; freeBytesMin?: number; probe?: () => void } = {}) {
  const changes: WriteHealth[] = [];
  const disk = { freeBytes: options.freeBytes ?? 10_000 };
  const breaker = createSqliteWriteBreaker({
    directory: '/nowhere',
    freeBytesMin: options.freeBytesMin ?? 1_000,
    probe: options.probe ?? (() => undefined),
    onChange: (health) => changes.push(health),
    readFreeBytes: () => disk.freeBytes,
    isTimed: false,
  });
  return { breaker, changes, disk };
}

function refusal(run: () => unknown): GatewayError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  return undefined;
}

describe('isSqliteWriteFailure', () => {
  it('knows the codes of a database that cannot be written, primary and extended', () => {
    const codes = [
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'SQLITE_READONLY',
      'SQLITE_BUSY',
      'SQLITE_CORRUPT',
      'SQLITE_CANTOPEN',
    ];
    expect(codes.map((code) => isSqliteWriteFailure(sqliteError(code)))).toEqual(codes.map(() => true));
  });

  it('leaves statement errors and other errors alone', () => {
    const others = [sqliteError('SQLITE_CONSTRAINT_CHECK'), sqliteError('SQLITE_ERROR'), new Error('x'), 'SQLITE_FULL'];
    expect(others.map((error) => isSqliteWriteFailure(error))).toEqual([false, false, false, false]);
    expect(isSqliteWriteFailure(sqliteError('SQLITE_FULLNESS'))).toBe(false);
  });
});

describe('createSqliteWriteBreaker', () => {
  it('refuses with 503 ledger_unavailable and Retry-After once a write fails for lack of space', () => {
    const { breaker, changes } = createTestBreaker();
    expect(refusal(() => breaker.assertWritable())).toBeUndefined();
    const failed = refusal(() =>
      breaker.guardWrite(() => {
        throw sqliteError('SQLITE_FULL');
      }),
    );
    expect([failed?.code, failed?.status, failed?.retryAfterSeconds]).toEqual(['ledger_unavailable', 503, 1]);
    const refused = refusal(() => breaker.assertWritable());
    expect([refused?.code, refused?.message]).toEqual([
      'ledger_unavailable',
      'The gateway cannot write its database right now (disk full, read-only or failing); nothing was charged. ' +
        'Retry shortly.',
    ]);
    expect(changes).toEqual([{ isWritable: false, reason: 'write_failed', detail: 'Error: database or disk is full' }]);
  });

  it('passes a statement error through unchanged and stays writable', () => {
    const { breaker, changes } = createTestBreaker();
    const constraint = sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(() =>
      breaker.guardWrite(() => {
        throw constraint;
      }),
    ).toThrow(constraint);
    expect([breaker.health, changes]).toEqual([{ isWritable: true }, []]);
  });

  it('closes only when a probe write succeeds, and says so once', () => {
    const probe = { fails: true, calls: 0 };
    const { breaker, changes } = createTestBreaker({
      probe: () => {
        probe.calls += 1;
        if (probe.fails) throw sqliteError('SQLITE_FULL');
      },
    });
    breaker.check();
    expect(probe.calls).toBe(0);
    breaker.noteFailure(sqliteError('SQLITE_IOERR_WRITE'));
    breaker.check();
    breaker.check();
    expect([probe.calls, breaker.health.isWritable]).toEqual([2, false]);
    probe.fails = false;
    breaker.check();
    expect([probe.calls, breaker.health, refusal(() => breaker.assertWritable())]).toEqual([
      3,
      { isWritable: true },
      undefined,
    ]);
    expect(changes.map((health) => health.isWritable)).toEqual([false, true]);
  });

  it('refuses while the disk has less free space than the floor, from the first check, and reopens with space', () => {
    const { breaker, changes, disk } = createTestBreaker({ freeBytes: 999, freeBytesMin: 1_000 });
    expect(breaker.health).toEqual({
      isWritable: false,
      reason: 'disk_low',
      detail: "999 bytes free on the database's disk, below storage.sqlite_free_bytes_min (1000)",
    });
    expect(refusal(() => breaker.assertWritable())?.code).toBe('ledger_unavailable');
    disk.freeBytes = 1_000;
    breaker.check();
    expect(breaker.health).toEqual({ isWritable: true });
    disk.freeBytes = 10;
    breaker.check();
    expect(changes.map((health) => (health.isWritable ? 'writable' : health.reason))).toEqual([
      'disk_low',
      'writable',
      'disk_low',
    ]);
  });

  it('does not read the disk with a floor of 0, and ignores a failed note that is not a database failure', () => {
    const { breaker, changes } = createTestBreaker({ freeBytes: 0, freeBytesMin: 0 });
    breaker.noteFailure(new Error('not sqlite'));
    breaker.check();
    expect([breaker.health, changes]).toEqual([{ isWritable: true }, []]);
  });
});
