import type { Database } from 'better-sqlite3';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { deferBalanceWrites, readBalance } from './append-posting.js';
import { assertPlaceHoldInput, assertSameHolder, decideHold, postHold, writeHold } from './place-hold.js';
import type { HoldView } from './place-hold.js';
import type { HoldRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';
import { runWithUnwrittenHolds } from './unwritten-holds.js';
import type { PostedHold } from './unwritten-holds.js';

/** Admission decided in memory, written to the database by the next flush (one transaction for many holds). */
export interface HoldBook {
  place(input: PlaceHoldInput): PlaceHoldResult;
  /** Writes every queued hold in one transaction (a savepoint inside the caller's). */
  flush(): void;
  /**
   * Writes the queued holds and runs `work` in the same transaction (one commit, one fsync, for both). Their
   * postings go first; their rows after `work`, so a hold `work` settles is written once, already posted
   * (unwritten-holds.ts). If anything throws, the transaction rolls back and the holds are queued again, and the
   * keys' held totals are back, exactly as they were.
   */
  flushWith<T>(work: () => T): T;
  /** A hold was resolved (settled or expired): its credit no longer counts against its key. */
  release(keyId: string, amount: Nanos): void;
  /** Reloads the keys' active holds from the database (after the reconciler resolved some). */
  resync(): void;
  readonly pendingCount: number;
}

interface QueuedHold {
  readonly input: PlaceHoldInput;
  readonly amount: Nanos;
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
 * so deciding and reserving are one atomic step. The queued holds are written together
 * on the next event-loop turn (`schedule`), or before any other ledger call reads or
 * settles. A hold lost to a crash before its flush (microseconds) leaves no posting,
 * which is what the reconciler's rule would have booked for it anyway: charge 0.
 */
export function createHoldBook(
  database: Database,
  statements: LedgerStatements,
  options: {
    /** Arranges for `flush` to run later; returns how to call that off (the queue was written some other way). */
    readonly schedule: (flush: () => void) => () => void;
  },
): HoldBook {
  let queue: QueuedHold[] = [];
  const queuedByRequest = new Map<string, QueuedHold>();
  const queuedByOrg = new Map<string, Nanos>();
  const heldByKey = new Map<string, Nanos>();
  let cancelScheduled: (() => void) | undefined;
  const writtenRows = new Map<string, HoldRow>();
  statements.written.current = writtenRows;
  /** Credit a batch's settlements released from keys (see {@link flushWith}): given back if the batch rolls back. */
  let releasedInBatch: { readonly keyId: string; readonly amount: Nanos }[] | undefined;

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
    for (const hold of queue) addTo(heldByKey, hold.input.keyId, hold.amount);
  }

  /**
   * Writes the queue with `write` (in the current transaction, or its own), which returns each hold's written
   * amount; returns how to put the queue back if that rolls back.
   */
  function writeQueue(write: (holds: readonly QueuedHold[]) => readonly Nanos[]): () => void {
    if (queue.length === 0) {
      cancelScheduledWrite();
      return () => undefined;
    }
    const taken = queue;
    const written = write(taken);
    // Only another process spending the same org between decision and write makes a hold smaller.
    const shortfalls = taken.map((hold, index) => (written[index] ?? 0n) - hold.amount);
    taken.forEach((hold, index) => addTo(heldByKey, hold.input.keyId, shortfalls[index] ?? 0n));
    queue = [];
    queuedByRequest.clear();
    queuedByOrg.clear();
    // Nothing is left to write: a write scheduled for these holds would otherwise take the next call's hold
    // early, on its own commit, at whatever moment its timer fires (often between that call's upstream request and
    // its first byte). The next admission schedules its own.
    cancelScheduledWrite();
    return () => {
      taken.forEach((hold, index) => addTo(heldByKey, hold.input.keyId, -(shortfalls[index] ?? 0n)));
      queue = [...taken, ...queue];
      for (const hold of taken) {
        queuedByRequest.set(hold.input.requestId, hold);
        addTo(queuedByOrg, hold.input.orgId, hold.amount);
      }
      scheduleWrite();
    };
  }

  function scheduleWrite(): void {
    cancelScheduled ??= options.schedule(flush);
  }

  function cancelScheduledWrite(): void {
    cancelScheduled?.();
    cancelScheduled = undefined;
  }

  function flush(): void {
    writeQueue((holds) => writeAll.immediate(holds));
  }

  function flushWith<T>(work: () => T): T {
    let undo: () => void = () => undefined;
    const released: { readonly keyId: string; readonly amount: Nanos }[] = [];
    // One write per cached total for the whole batch: its holds, then its settlements (see deferBalanceWrites).
    const run = database.transaction(() =>
      deferBalanceWrites(statements, () => {
        let posted: PostedHold[] = [];
        undo = writeQueue((holds) => {
          posted = holds.map((hold) => ({ input: hold.input, written: postHold(statements, hold.input, hold.amount) }));
          return posted.map((entry) => entry.written);
        });
        const outer = releasedInBatch;
        releasedInBatch = released;
        try {
          return runWithUnwrittenHolds(statements, posted, work);
        } finally {
          releasedInBatch = outer;
        }
      }),
    );
    try {
      const result = run.immediate();
      // Inside an outer batch, this one's releases are undone with it.
      releasedInBatch?.push(...released);
      return result;
    } catch (error) {
      undo();
      for (const { keyId, amount } of released) addTo(heldByKey, keyId, amount);
      throw error;
    }
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
    const queued = queuedByRequest.get(input.requestId);
    if (queued !== undefined) {
      assertSameHolder(queued.input, input);
      return { ok: true, amount: queued.amount };
    }
    const read = readDecision.deferred(input);
    if (read.existingAmount !== undefined) return { ok: true, amount: read.existingAmount };
    const { decision } = read;
    if (!decision.ok) return decision;
    const hold = { input, amount: decision.amount };
    queue.push(hold);
    queuedByRequest.set(input.requestId, hold);
    addTo(queuedByOrg, input.orgId, hold.amount);
    addTo(heldByKey, input.keyId, hold.amount);
    scheduleWrite();
    return decision;
  }

  resync();
  return {
    place,
    flush,
    flushWith,
    release: (keyId, amount) => {
      addTo(heldByKey, keyId, -amount);
      releasedInBatch?.push({ keyId, amount });
    },
    resync,
    get pendingCount() {
      return queue.length;
    },
  };
}
