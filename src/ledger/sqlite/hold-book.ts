import type { Database } from 'better-sqlite3';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { deferBalanceWrites, readBalance } from './append-posting.js';
import { assertPlaceHoldInput, assertSameHolder, decideHold, postHold, writeHold } from './place-hold.js';
import type { HoldView } from './place-hold.js';
import type { HoldRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';
import { runWithUnwrittenHolds } from './unwritten-holds.js';
import type { PostedHold, QueuedHolds } from './unwritten-holds.js';

/** Admission decided in memory, written to the database by the next flush (one transaction for many holds). */
export interface HoldBook {
  place(input: PlaceHoldInput): PlaceHoldResult;
  /** Writes every queued hold in one transaction (a savepoint inside the caller's). */
  flush(): void;
  /**
   * Runs `work` in one transaction (one commit, one fsync) with the queued holds that are due (queued at least the
   * write delay ago) and those `work` settles; the holds of calls still running and admitted within the delay stay
   * queued, so a call that ends within it has its hold written once, already posted (unwritten-holds.ts), instead
   * of inserted active by whichever commit came first and updated by its own. Postings of due holds go first, a
   * settled hold's just before its settlement; the rows of due holds not settled after `work`. If anything throws,
   * the transaction rolls back and the holds are queued again, and the keys' held totals are back, exactly as they
   * were.
   */
  flushWith<T>(work: () => T): T;
  /** True while {@link flushWith} runs `work`: a settlement then takes its queued hold instead of writing them all. */
  readonly isInBatch: boolean;
  /** A hold was resolved (settled or expired): its credit no longer counts against its key. */
  release(keyId: string, amount: Nanos): void;
  /** Reloads the keys' active holds from the database (after the reconciler resolved some). */
  resync(): void;
  readonly pendingCount: number;
}

interface QueuedHold {
  readonly input: PlaceHoldInput;
  readonly amount: Nanos;
  /** When it was queued (`now`), for {@link HoldBook.flushWith}'s "due". */
  readonly queuedAtMs: number;
  /** The write timer that writes it if nothing did before: the one it armed, or the one after the armed one. */
  readonly timerNumber: number;
}

/** A queued hold a batch's settlement took, and the amount it was posted at. */
interface TakenHold {
  readonly hold: QueuedHold;
  readonly written: Nanos;
}

function addTo(totals: Map<string, Nanos>, id: string, delta: Nanos): void {
  const total = (totals.get(id) ?? 0n) + delta;
  if (total === 0n) totals.delete(id);
  else totals.set(id, total);
}

/**
 * Batched admission for the embedded mode, where one gateway process owns the database
 * file. The decision reads the org's balance and the key's window spend from the
 * database and subtracts what this process has admitted but not yet written; the keys'
 * active holds are kept in memory (loaded at start, resynced by the reconciler), so
 * admission costs a few indexed reads and no transaction. Node runs it on one thread,
 * so deciding and reserving are one atomic step. A queued hold is written with its call's
 * settlement if the call ends within the write delay; otherwise by the first commit after
 * the delay (a batch's, or its own timer's, between one and two delays after admission);
 * and before any other ledger call reads or settles, the whole queue. A hold lost to a
 * crash before it was written leaves no posting, which is what the reconciler's rule would
 * have booked for it anyway: charge 0.
 */
export function createHoldBook(
  database: Database,
  statements: LedgerStatements,
  options: {
    /** Arranges for `flush` to run later; returns how to call that off (the queue was written some other way). */
    readonly schedule: (flush: () => void) => () => void;
    /** How long a hold may wait for its call's settlement before a batch takes it along. */
    readonly delayMs: number;
    /** The clock for {@link delayMs} (milliseconds). */
    readonly now: () => number;
  },
): HoldBook {
  const queue = new Map<string, QueuedHold>();
  const queuedByOrg = new Map<string, Nanos>();
  const heldByKey = new Map<string, Nanos>();
  let cancelScheduled: (() => void) | undefined;
  /** Counts armed write timers: a timer writes the holds queued while it or an earlier one was armed. */
  let timerNumber = 0;
  const writtenRows = new Map<string, HoldRow>();
  statements.written.current = writtenRows;
  /** Credit a batch's settlements released from keys (see {@link flushWith}): given back if the batch rolls back. */
  let releasedInBatch: { readonly keyId: string; readonly amount: Nanos }[] | undefined;
  /** Holds the running batch took from the queue for its settlements: queued again if it rolls back. */
  let takenInBatch: TakenHold[] | undefined;

  const view: HoldView = {
    available: (orgId) => readBalance(statements, ledgerAccounts.orgAvailable(orgId)) - (queuedByOrg.get(orgId) ?? 0n),
    keyHeld: (keyId) => heldByKey.get(keyId) ?? 0n,
  };
  const writeAll = database.transaction((holds: readonly QueuedHold[]) =>
    deferBalanceWrites(statements, () => holds.map((hold) => writeHold(statements, hold.input, hold.amount))),
  );

  function resync(): void {
    // The reconciler may have resolved some: they are read again at their settlement.
    writtenRows.clear();
    heldByKey.clear();
    for (const row of statements.sumActiveHoldsByKey.all()) heldByKey.set(row.key_id, row.total);
    for (const hold of queue.values()) addTo(heldByKey, hold.input.keyId, hold.amount);
  }

  function enqueue(hold: QueuedHold): void {
    queue.set(hold.input.requestId, hold);
    addTo(queuedByOrg, hold.input.orgId, hold.amount);
  }

  function dequeue(hold: QueuedHold): void {
    queue.delete(hold.input.requestId);
    addTo(queuedByOrg, hold.input.orgId, -hold.amount);
  }

  /**
   * Writes the queued holds `select` picks with `write` (in the current transaction, or its own), which returns each
   * hold's written amount; returns how to put them back if that rolls back.
   */
  function writeQueue(
    write: (holds: readonly QueuedHold[]) => readonly Nanos[],
    select: (hold: QueuedHold) => boolean,
  ): () => void {
    const taken = [...queue.values()].filter(select);
    if (taken.length === 0) {
      if (queue.size === 0) cancelScheduledWrite();
      return () => undefined;
    }
    const written = write(taken);
    // Only another process spending the same org between decision and write makes a hold smaller.
    const shortfalls = taken.map((hold, index) => (written[index] ?? 0n) - hold.amount);
    taken.forEach((hold, index) => addTo(heldByKey, hold.input.keyId, shortfalls[index] ?? 0n));
    for (const hold of taken) dequeue(hold);
    // Nothing is left to write: a write scheduled for these holds would otherwise take the next call's hold
    // early, on its own commit. The next admission schedules its own.
    if (queue.size === 0) cancelScheduledWrite();
    return () => {
      taken.forEach((hold, index) => addTo(heldByKey, hold.input.keyId, -(shortfalls[index] ?? 0n)));
      requeue(taken);
    };
  }

  /** Puts holds taken by a batch that rolled back at the head of the queue, as they were, and arms a write. */
  function requeue(holds: readonly QueuedHold[]): void {
    const later = [...queue.values()];
    queue.clear();
    queuedByOrg.clear();
    for (const hold of [...holds, ...later]) enqueue(hold);
    scheduleWrite();
  }

  function scheduleWrite(): void {
    if (cancelScheduled !== undefined) return;
    timerNumber += 1;
    cancelScheduled = options.schedule(flushTimed);
  }

  function cancelScheduledWrite(): void {
    cancelScheduled?.();
    cancelScheduled = undefined;
  }

  function flush(): void {
    writeQueue(
      (holds) => writeAll.immediate(holds),
      () => true,
    );
  }

  /** The write timer: the holds queued while it (or an earlier timer) was armed; a later one's wait on. */
  function flushTimed(): void {
    const firedNumber = timerNumber;
    writeQueue(
      (holds) => writeAll.immediate(holds),
      (hold) => hold.timerNumber <= firedNumber,
    );
    cancelScheduled = undefined;
    if (queue.size > 0) scheduleWrite();
  }

  /** A settlement in the running batch takes its hold from the queue: posted now, its row written resolved. */
  function takeQueued(requestId: string): PostedHold | undefined {
    const hold = queue.get(requestId);
    if (hold === undefined || takenInBatch === undefined) return undefined;
    const written = postHold(statements, hold.input, hold.amount);
    addTo(heldByKey, hold.input.keyId, written - hold.amount);
    dequeue(hold);
    takenInBatch.push({ hold, written });
    return { input: hold.input, written };
  }

  const queuedHolds: QueuedHolds = {
    take: takeQueued,
    reservedFor: (orgId) => queuedByOrg.get(orgId) ?? 0n,
  };

  function flushWith<T>(work: () => T): T {
    let undo: () => void = () => undefined;
    const released: { readonly keyId: string; readonly amount: Nanos }[] = [];
    const taken: TakenHold[] = [];
    const dueAtMs = options.now() - options.delayMs;
    // One write per cached total for the whole batch: its holds, then its settlements (see deferBalanceWrites).
    const run = database.transaction(() =>
      deferBalanceWrites(statements, () => {
        let posted: PostedHold[] = [];
        undo = writeQueue(
          (holds) => {
            posted = holds.map((hold) => ({
              input: hold.input,
              written: postHold(statements, hold.input, hold.amount),
            }));
            return posted.map((entry) => entry.written);
          },
          (hold) => hold.queuedAtMs <= dueAtMs,
        );
        const outer = { released: releasedInBatch, taken: takenInBatch };
        releasedInBatch = released;
        takenInBatch = taken;
        try {
          return runWithUnwrittenHolds(statements, posted, work, queuedHolds);
        } finally {
          releasedInBatch = outer.released;
          takenInBatch = outer.taken;
        }
      }),
    );
    try {
      const result = run.immediate();
      // Inside an outer batch, this one's releases and takes are undone with it.
      releasedInBatch?.push(...released);
      takenInBatch?.push(...taken);
      if (queue.size === 0) cancelScheduledWrite();
      return result;
    } catch (error) {
      undo();
      undoTaken(taken);
      for (const { keyId, amount } of released) addTo(heldByKey, keyId, amount);
      throw error;
    }
  }

  /** Holds a rolled-back batch's settlements took: queued again as decided, their keys' totals as they were. */
  function undoTaken(taken: readonly TakenHold[]): void {
    if (taken.length === 0) return;
    for (const { hold, written } of taken) addTo(heldByKey, hold.input.keyId, hold.amount - written);
    requeue(taken.map((entry) => entry.hold));
  }

  /**
   * The database half of an admission: an existing hold of this id, else the decision. Its reads share one read
   * transaction (one snapshot, and one WAL read lock instead of one per statement).
   */
  const readDecision = database.transaction((input: PlaceHoldInput) => {
    const existing = statements.selectHold.get(input.requestId);
    if (existing === undefined) return { decision: decideHold(statements, view, input) };
    assertSameHolder({ orgId: existing.org_id, keyId: existing.key_id }, input);
    return { existingAmount: existing.amount };
  });

  function place(input: PlaceHoldInput): PlaceHoldResult {
    assertPlaceHoldInput(input);
    const queued = queue.get(input.requestId);
    if (queued !== undefined) {
      assertSameHolder(queued.input, input);
      return { ok: true, amount: queued.amount };
    }
    const read = readDecision.deferred(input);
    if (read.existingAmount !== undefined) return { ok: true, amount: read.existingAmount };
    const { decision } = read;
    if (!decision.ok) return decision;
    // Queued while a timer is armed, it waits for the next one (at least the delay).
    const writtenBy = cancelScheduled === undefined ? (scheduleWrite(), timerNumber) : timerNumber + 1;
    enqueue({ input, amount: decision.amount, queuedAtMs: options.now(), timerNumber: writtenBy });
    addTo(heldByKey, input.keyId, decision.amount);
    return decision;
  }

  resync();
  return {
    place,
    flush,
    flushWith,
    get isInBatch() {
      return takenInBatch !== undefined;
    },
    release: (keyId, amount) => {
      addTo(heldByKey, keyId, -amount);
      releasedInBatch?.push({ keyId, amount });
    },
    resync,
    get pendingCount() {
      return queue.size;
    },
  };
}
