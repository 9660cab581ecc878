import type { Database } from 'better-sqlite3';
import type { Ledger, VerifyOptions } from '../ledger-types.js';
import { expireHolds } from './expire-holds.js';
import { grantCredit } from './grant-credit.js';
import { createHoldBook } from './hold-book.js';
import type { HoldBook } from './hold-book.js';
import { convertHoldRow } from './ledger-rows.js';
import { placeHold } from './place-hold.js';
import { prepareLedgerStatements } from './prepare-ledger-statements.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';
import { readKeySpend } from './read-key-spend.js';
import { readOrgBalance } from './read-org-balance.js';
import { readPostings } from './read-postings.js';
import { settleHold } from './settle-hold.js';
import { verifyLedger } from './verify/verify-ledger.js';

export interface SqliteLedgerOptions {
  /**
   * `each` (default): every admission is its own IMMEDIATE transaction, so several processes may share the
   * file. `batched`: one gateway process owns the file; admissions are decided in memory and written with their
   * call's settlement, or with the first commit after `holdWriteDelayMs` (see {@link createHoldBook}).
   */
  readonly holdCommit?: 'each' | 'batched';
  /** Batched: how long a hold may wait for its call's own commit (default {@link holdWriteDelayMsDefault}). */
  readonly holdWriteDelayMs?: number;
  /** A batched write that failed (the holds stay queued and are retried); the caller logs it. */
  readonly onFlushError?: (error: unknown) => void;
}

const flushRetryMs = 100;
/**
 * How long an admitted hold may wait to be written with its call's own commit: longer than a call takes under load
 * in front of a fast upstream (about 110 ms at 256 connections on the bench), short against an agent's call.
 */
export const holdWriteDelayMsDefault = 250;

function createBatchedBook(database: Database, statements: LedgerStatements, options: SqliteLedgerOptions): HoldBook {
  // A call that ends within `holdWriteDelayMs` has its hold written in the same commit as its generation record
  // and settlement, once, already posted (other calls' commits leave it queued); a longer call's hold is written by
  // the first commit after the delay, a batch's or its own timer's. A crash inside the delay loses only holds of
  // calls that had not finished: no settlement, which is exactly what the reconciler's rule (charge 0) would book.
  const delayMs = options.holdWriteDelayMs ?? holdWriteDelayMsDefault;
  const schedule = (flush: () => void): (() => void) => {
    let timer = setTimeout(function run() {
      if (!database.open) return;
      try {
        flush();
      } catch (error) {
        options.onFlushError?.(error);
        timer = setTimeout(run, flushRetryMs).unref();
      }
    }, delayMs).unref();
    return () => clearTimeout(timer);
  };
  return createHoldBook(database, statements, { schedule, delayMs, now: Date.now });
}

/**
 * The ledger on SQLite, statements prepared once: the database must be migrated
 * (tables of migrations 0002-ledger.sql and 0007-slim-ledger.sql) before this is called.
 *
 * Every write is one transaction, begun IMMEDIATE: the write lock is taken before the
 * balance is read, so admissions from several processes on one file serialize instead
 * of two of them spending the same credit (or failing with SQLITE_BUSY on the upgrade
 * from read to write). Called inside a caller's transaction (settle within the
 * generation writer's batch), better-sqlite3 turns it into a savepoint: it commits or
 * rolls back with the caller's (settle runs in the caller's transaction as is: a failed settlement
 * throws through the caller's transaction and rolls all of it back). Multi-statement reads run in one deferred transaction,
 * so they see one snapshot. With `holdCommit: 'batched'`, every call but `placeHold`
 * first writes the admissions still queued.
 */
export function createSqliteLedger(database: Database, options: SqliteLedgerOptions = {}): Ledger {
  const statements = prepareLedgerStatements(database);
  const book = options.holdCommit === 'batched' ? createBatchedBook(database, statements, options) : undefined;
  const flush = (): void => book?.flush();
  const grant = database.transaction((input: Parameters<Ledger['grant']>[0]) => grantCredit(statements, input));
  const hold = database.transaction((input: Parameters<Ledger['placeHold']>[0]) => placeHold(statements, input));
  const settleInPlace = (input: Parameters<Ledger['settle']>[0]) => {
    const { result, hold: settled } = settleHold(statements, input);
    if (result.isFirstSettlement) book?.release(settled.key_id, settled.amount);
    return result;
  };
  const settle = database.transaction(settleInPlace);
  const reconcile = database.transaction((nowMs: number, graceMs: number) => {
    const expired = expireHolds(statements, nowMs, graceMs);
    book?.resync();
    return expired;
  });
  const renew = database.transaction((requestIds: readonly string[], expiresAtMs: number) => {
    let renewed = 0;
    for (const id of requestIds) renewed += statements.renewHold.run(expiresAtMs, id, expiresAtMs).changes;
    return renewed;
  });
  const balance = database.transaction((orgId: string) => readOrgBalance(statements, orgId));
  const keySpend = database.transaction((keyId: string, windowStartMs: number) =>
    readKeySpend(statements, keyId, windowStartMs),
  );
  const verify = database.transaction((nowMs: number, graceMs: number, options?: VerifyOptions) =>
    verifyLedger(database, { nowMs, graceMs }, options),
  );
  return {
    grant: (input) => (flush(), grant.immediate(input)),
    placeHold: (input) => (book === undefined ? hold.immediate(input) : book.place(input)),
    // Inside the generation writer's batch: no savepoint of its own (a throw rolls the whole batch back), and its
    // own hold taken from the queue, where the other calls' holds wait for theirs.
    settle: (input) =>
      book?.isInBatch === true
        ? settleInPlace(input)
        : (flush(), database.inTransaction ? settleInPlace(input) : settle.immediate(input)),
    reconcile: (nowMs, graceMs) => (flush(), reconcile.immediate(nowMs, graceMs)),
    renew: (requestIds, expiresAtMs) => (flush(), renew.immediate(requestIds, expiresAtMs)),
    balance: (orgId) => (flush(), balance.deferred(orgId)),
    keySpend: (keyId, windowStartMs) => (flush(), keySpend.deferred(keyId, windowStartMs)),
    findHold: (requestId) => {
      flush();
      const row = statements.selectHold.get(requestId);
      return row === undefined ? undefined : convertHoldRow(row);
    },
    activeHolds: () => (flush(), statements.selectActiveHolds.all().map(convertHoldRow)),
    postings: (filter) => (flush(), readPostings(statements, filter)),
    verify: (nowMs, graceMs, options) => (flush(), verify.deferred(nowMs, graceMs, options)),
    flushPending: flush,
    withPendingWritten: (work) => (book === undefined ? database.transaction(work).immediate() : book.flushWith(work)),
  };
}
