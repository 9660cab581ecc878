import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHoldInput as hold, findFailingInvariants, openTestLedger } from './test-support.js';

/** A short write delay, so that the tests which wait for the timer wait little (the default is longer). */
const batched = { holdCommit: 'batched', holdWriteDelayMs: 5 } as const;
const directories: string[] = [];

function createDatabasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-hold-book-'));
  directories.push(directory);
  return join(directory, 'ledger.db');
}

/** The book writes a few milliseconds after an admission (a generation batch in between takes them along). */
async function afterScheduledWrite(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Rows actually written, read without going through the ledger (which would write the queue first). */
function countWritten(database: Database): { readonly holds: number; readonly postings: number } {
  const count = (sql: string): number => (database.prepare(sql).get() as { readonly n: number }).n;
  return {
    holds: count('SELECT COUNT(*) AS n FROM ledger_holds'),
    postings: count("SELECT COUNT(*) AS n FROM ledger_postings WHERE kind = 'hold'"),
  };
}

describe('batched admission (hold book)', () => {
  it('decides at once and writes the holds of one turn together on the next turn', async () => {
    const { database, ledger } = openTestLedger(':memory:', batched);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    // The queued 1 000 counts against the balance before it is written.
    expect(ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 500n });
    expect(ledger.placeHold(hold('req-3'))).toEqual({ ok: false, reason: 'insufficient_credits', affordableNanos: 0n });
    expect(ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    expect(countWritten(database)).toEqual({ holds: 0, postings: 0 });
    await afterScheduledWrite();
    expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 0n,
      heldNanos: 1_500n,
      grantedNanos: 1_500n,
      chargedNanos: 0n,
    });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  });

  it('a commit that takes the queued holds along calls off their scheduled write; the next hold waits its own delay', () => {
    vi.useFakeTimers();
    try {
      const { database, ledger } = openTestLedger(':memory:', { ...batched, holdWriteDelayMs: 50 });
      ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
      ledger.placeHold(hold('req-1')); // its write is due at t = 50
      vi.advanceTimersByTime(10);
      ledger.withPendingWritten(() =>
        ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: [], nowMs: 1_000_010 }),
      );
      expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
      vi.advanceTimersByTime(30);
      ledger.placeHold(hold('req-2')); // t = 40: due at t = 90, not at req-1's t = 50
      vi.advanceTimersByTime(49);
      expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
      vi.advanceTimersByTime(1);
      expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
      expect(vi.getTimerCount()).toBe(0);
      expect(findFailingInvariants(ledger, 1_000_100, 0)).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes the queue before any other call reads or settles', () => {
    const { database, ledger } = openTestLedger(':memory:', batched);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
    ledger.placeHold(hold('req-1'));
    expect(ledger.findHold('req-1')).toMatchObject({ amount: 1_000n, status: 'active' });
    ledger.placeHold(hold('req-2'));
    expect(ledger.settle({ requestId: 'req-2', chargeNanos: 400n, attemptCosts: [], nowMs: 1_000_100 })).toEqual({
      chargedNanos: 400n,
      isFirstSettlement: true,
    });
    ledger.placeHold(hold('req-3'));
    expect(ledger.balance('org-a').heldNanos).toBe(2_000n);
    expect(countWritten(database)).toEqual({ holds: 3, postings: 3 });
  });

  it("counts queued and written holds against a key's limit, and frees them when settled or expired", () => {
    const { ledger } = openTestLedger(':memory:', batched);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 100_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 2_500n, windowStartMs: 0 };
    expect(ledger.placeHold(hold('req-1', { keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    ledger.flushPending();
    expect(ledger.placeHold(hold('req-2', { keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    expect(ledger.placeHold(hold('req-3', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 500n });
    expect(ledger.placeHold(hold('req-4', { keyLimit, amountMin: 10n }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 0n,
    });
    // Settling req-1 for 200: its 1 000 is no longer held, 200 is spent in the window.
    ledger.settle({ requestId: 'req-1', chargeNanos: 200n, attemptCosts: [], nowMs: 1_000_500 });
    expect(ledger.placeHold(hold('req-5', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 800n });
    // The reconciler expires req-2, req-3 and req-5 (TTL 60 s): the whole limit but the 200 spent is free again.
    expect(ledger.reconcile(2_000_000, 0)).toBe(3);
    expect(ledger.placeHold(hold('req-6', { keyLimit, amountMax: 5_000n, nowMs: 2_000_000 }))).toEqual({
      ok: true,
      amount: 2_300n,
    });
    expect(findFailingInvariants(ledger, 2_000_000, 0)).toEqual([]);
  });

  it('loads the active holds of earlier runs at start', () => {
    const path = createDatabasePath();
    const first = openTestLedger(path, batched);
    first.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 100_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 1_500n, windowStartMs: 0 };
    first.ledger.placeHold(hold('req-1', { keyLimit }));
    first.ledger.flushPending();
    first.database.close();
    const second = openTestLedger(path, batched);
    expect(second.ledger.placeHold(hold('req-2', { keyLimit, amountMin: 1n }))).toEqual({ ok: true, amount: 500n });
    second.database.close();
  });

  it('a crash before the write loses the queued holds and nothing else', async () => {
    const path = createDatabasePath();
    const first = openTestLedger(path, batched);
    first.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 3_000n, nowMs: 0 });
    first.ledger.placeHold(hold('req-1'));
    first.ledger.flushPending();
    first.ledger.placeHold(hold('req-2'));
    first.database.close();
    await afterScheduledWrite(); // the scheduled write finds the connection closed and does nothing
    const second = openTestLedger(path, batched);
    expect(second.ledger.activeHolds().map((active) => active.requestId)).toEqual(['req-1']);
    expect(second.ledger.balance('org-a')).toMatchObject({ availableNanos: 2_000n, heldNanos: 1_000n });
    expect(findFailingInvariants(second.ledger, 1_000_000, 0)).toEqual([]);
    second.database.close();
  });

  it('re-caps a hold at the written balance, so two processes on one file cannot overdraw', () => {
    const path = createDatabasePath();
    const first = openTestLedger(path, batched);
    const second = openTestLedger(path, batched);
    first.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    expect(first.ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    expect(second.ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 1_000n });
    first.ledger.flushPending();
    second.ledger.flushPending();
    expect(second.ledger.findHold('req-2')).toMatchObject({ amount: 500n });
    expect(second.ledger.balance('org-a')).toMatchObject({ availableNanos: 0n, heldNanos: 1_500n });
    // Settling above the capped hold draws only what is available (nothing): the balance never goes negative.
    expect(second.ledger.settle({ requestId: 'req-2', chargeNanos: 900n, attemptCosts: [], nowMs: 1_000_100 })).toEqual(
      { chargedNanos: 500n, isFirstSettlement: true },
    );
    expect(findFailingInvariants(second.ledger, 1_000_000, 0)).toEqual([]);
    first.database.close();
    second.database.close();
  });

  it('settles a hold it wrote without reading it back, unless another process resolved it meanwhile', () => {
    const path = createDatabasePath();
    const serving = openTestLedger(path, batched);
    const other = openTestLedger(path);
    serving.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
    serving.ledger.placeHold(hold('req-1', { ttlMs: 1_000 }));
    serving.ledger.placeHold(hold('req-2'));
    serving.ledger.flushPending();
    // Another process's reconciler expires req-1 (TTL 1 s; req-2's is 60 s) behind the serving process's back.
    expect(other.ledger.reconcile(1_002_000, 0)).toBe(1);
    // The serving process still remembers req-1 as written active: its update finds it expired, posts nothing.
    expect(
      serving.ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: [], nowMs: 1_002_100 }),
    ).toEqual({ chargedNanos: 0n, isFirstSettlement: false });
    expect(
      serving.ledger.settle({ requestId: 'req-2', chargeNanos: 400n, attemptCosts: [], nowMs: 1_002_100 }),
    ).toEqual({ chargedNanos: 400n, isFirstSettlement: true });
    expect(serving.ledger.postings({ requestId: 'req-1' }).map((posting) => posting.kind)).toEqual(['hold', 'expire']);
    expect(serving.ledger.balance('org-a')).toEqual({
      availableNanos: 4_600n,
      heldNanos: 0n,
      grantedNanos: 5_000n,
      chargedNanos: 400n,
    });
    expect(findFailingInvariants(serving.ledger, 1_002_100, 0)).toEqual([]);
    serving.database.close();
    other.database.close();
  });

  it('keeps the holds queued when their write fails, reports it, and writes them on the retry', async () => {
    const errors: unknown[] = [];
    const { database, ledger } = openTestLedger(':memory:', {
      ...batched,
      onFlushError: (error) => errors.push(error),
    });
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
    database.exec(`CREATE TEMP TRIGGER refuse_holds BEFORE INSERT ON ledger_holds
      BEGIN SELECT RAISE(ABORT, 'disk is full'); END`);
    ledger.placeHold(hold('req-1'));
    await afterScheduledWrite();
    expect(errors.map(String)).toEqual(['SqliteError: disk is full']);
    expect(countWritten(database)).toEqual({ holds: 0, postings: 0 });
    expect(ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 1_000n });
    database.exec('DROP TRIGGER refuse_holds');
    ledger.flushPending();
    expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 3_000n, heldNanos: 2_000n });
  });

  it('commits the due queued holds with a batch in one transaction, and queues them again if the batch fails', () => {
    vi.useFakeTimers();
    try {
      checkDueHoldsCommitWithBatch();
    } finally {
      vi.useRealTimers();
    }
  });

  function checkDueHoldsCommitWithBatch(): void {
    const { database, ledger } = openTestLedger(':memory:', { ...batched, holdWriteDelayMs: 50 });
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    ledger.placeHold(hold('req-1'));
    vi.advanceTimersByTime(49); // due at 50 (its timer would write it then): no batch takes it before
    ledger.withPendingWritten(() => expect(countWritten(database)).toEqual({ holds: 0, postings: 0 }));
    vi.setSystemTime(Date.now() + 1); // due now, its timer not yet run: the next batch takes it along
    expect(() =>
      ledger.withPendingWritten(() => {
        // The hold's posting is written first; its row after the batch's settlements (none here).
        expect(countWritten(database)).toEqual({ holds: 0, postings: 1 });
        throw new Error('the batch failed');
      }),
    ).toThrow('the batch failed');
    expect(countWritten(database)).toEqual({ holds: 0, postings: 0 });
    // Still reserved: the next admission sees only 500 left.
    expect(ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 500n });
    vi.advanceTimersByTime(49); // req-2's own delay
    expect(ledger.withPendingWritten(() => 'committed')).toBe('committed');
    expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
    vi.setSystemTime(Date.now() + 1);
    expect(ledger.withPendingWritten(() => 'committed')).toBe('committed');
    expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 0n, heldNanos: 1_500n });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  }

  it('leaves the holds of calls admitted within the delay to their own settlement: each written once, posted', () => {
    const { database, ledger } = openTestLedger(':memory:', { ...batched, holdWriteDelayMs: 60_000 });
    database.exec(`CREATE TEMP TABLE hold_updates (request_id TEXT);
      CREATE TEMP TRIGGER count_hold_updates AFTER UPDATE ON main.ledger_holds
      BEGIN INSERT INTO hold_updates VALUES (NEW.request_id); END;`);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
    ledger.placeHold(hold('req-1'));
    ledger.placeHold(hold('req-2'));
    ledger.withPendingWritten(() =>
      ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: [], nowMs: 1_000_400 }),
    );
    // req-2 is still running: its hold is not in the commit that settled req-1.
    expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
    // Still reserved: 5 000 − 300 charged − 1 000 for req-2.
    expect(ledger.placeHold(hold('req-3', { amountMax: 4_000n }))).toEqual({ ok: true, amount: 3_700n });
    ledger.withPendingWritten(() =>
      ledger.settle({ requestId: 'req-2', chargeNanos: 1_000n, attemptCosts: [], nowMs: 1_000_900 }),
    );
    expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
    expect(database.prepare('SELECT request_id FROM hold_updates').pluck().all()).toEqual([]);
    expect(ledger.findHold('req-2')).toMatchObject({ status: 'posted', amount: 1_000n, chargedNanos: 1_000n });
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 0n,
      heldNanos: 3_700n,
      grantedNanos: 5_000n,
      chargedNanos: 1_300n,
    });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  });

  it("a settlement's top-up in a batch leaves the credit promised to calls whose holds are still queued", () => {
    const { database, ledger } = openTestLedger(':memory:', { ...batched, holdWriteDelayMs: 60_000 });
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    expect(ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 500n });
    // req-1 used more than its hold: the top-up may not take req-2's 500, which is not posted yet.
    expect(
      ledger.withPendingWritten(() =>
        ledger.settle({ requestId: 'req-1', chargeNanos: 1_400n, attemptCosts: [], nowMs: 1_000_400 }),
      ),
    ).toEqual({ chargedNanos: 1_000n, isFirstSettlement: true });
    expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
    ledger.flushPending();
    expect(ledger.findHold('req-2')).toMatchObject({ status: 'active', amount: 500n });
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 0n, heldNanos: 500n, chargedNanos: 1_000n });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  });

  it('a hold admitted while a write timer is armed waits for the next timer: never written before its delay', () => {
    vi.useFakeTimers();
    try {
      const { database, ledger } = openTestLedger(':memory:', { ...batched, holdWriteDelayMs: 50 });
      ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
      ledger.placeHold(hold('req-1')); // arms the timer for t = 50
      vi.advanceTimersByTime(40);
      ledger.placeHold(hold('req-2')); // t = 40: left for the timer after (t = 100)
      vi.advanceTimersByTime(10);
      expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
      vi.advanceTimersByTime(49);
      expect(countWritten(database)).toEqual({ holds: 1, postings: 1 });
      vi.advanceTimersByTime(1);
      expect(countWritten(database)).toEqual({ holds: 2, postings: 2 });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes a hold settled in the batch that writes it once, already posted; the others active', () => {
    const { database, ledger } = openTestLedger(':memory:', batched);
    database.exec(`CREATE TEMP TABLE hold_updates (request_id TEXT);
      CREATE TEMP TRIGGER count_hold_updates AFTER UPDATE ON main.ledger_holds
      BEGIN INSERT INTO hold_updates VALUES (NEW.request_id); END;`);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 5_000n, nowMs: 0 });
    ledger.placeHold(hold('req-1'));
    ledger.placeHold(hold('req-2'));
    const settled = ledger.withPendingWritten(() =>
      ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: [], nowMs: 1_000_400 }),
    );
    expect(settled).toEqual({ chargedNanos: 300n, isFirstSettlement: true });
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'posted', amount: 1_000n, chargedNanos: 300n });
    expect(ledger.findHold('req-2')).toMatchObject({ status: 'active', amount: 1_000n });
    expect(ledger.postings({ requestId: 'req-1' }).map((posting) => [posting.kind, posting.amount])).toEqual([
      ['hold', 1_000n],
      ['charge', 300n],
      ['release', 700n],
    ]);
    // A hold written earlier is resolved by an update, as before.
    ledger.withPendingWritten(() =>
      ledger.settle({ requestId: 'req-2', chargeNanos: 1_000n, attemptCosts: [], nowMs: 1_000_900 }),
    );
    expect(database.prepare('SELECT request_id FROM hold_updates').pluck().all()).toEqual(['req-2']);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 3_700n,
      heldNanos: 0n,
      grantedNanos: 5_000n,
      chargedNanos: 1_300n,
    });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  });

  it("a batch that fails after settling a queued hold leaves it queued and its key's credit still held", () => {
    const { database, ledger } = openTestLedger(':memory:', batched);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 100_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 1_500n, windowStartMs: 0 };
    ledger.placeHold(hold('req-1', { keyLimit }));
    expect(() =>
      ledger.withPendingWritten(() => {
        ledger.settle({ requestId: 'req-1', chargeNanos: 100n, attemptCosts: [], nowMs: 1_000_100 });
        throw new Error('the batch failed');
      }),
    ).toThrow('the batch failed');
    expect(countWritten(database)).toEqual({ holds: 0, postings: 0 });
    // 1 000 of the key's 1 500 is still held by req-1: only 500 is left for the next call.
    expect(ledger.placeHold(hold('req-2', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 500n });
    ledger.withPendingWritten(() =>
      ledger.settle({ requestId: 'req-1', chargeNanos: 100n, attemptCosts: [], nowMs: 1_000_100 }),
    );
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 100n });
    // Settled once: 100 spent, 500 held by req-2, 900 left.
    expect(ledger.placeHold(hold('req-3', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 900n });
    expect(findFailingInvariants(ledger, 1_000_000, 0)).toEqual([]);
  });
});
