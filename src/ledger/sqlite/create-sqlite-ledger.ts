import type { Database } from 'better-sqlite3';
import type { Ledger } from '../ledger-types.js';
import { expireHolds } from './expire-holds.js';
import { grantCredit } from './grant-credit.js';
import { convertHoldRow } from './ledger-rows.js';
import { placeHold } from './place-hold.js';
import { prepareLedgerStatements } from './prepare-ledger-statements.js';
import { readKeySpend } from './read-key-spend.js';
import { readOrgBalance } from './read-org-balance.js';
import { readPostings } from './read-postings.js';
import { settleHold } from './settle-hold.js';
import { verifyLedger } from './verify/verify-ledger.js';

/**
 * The ledger on SQLite, statements prepared once: the database must be migrated
 * (tables of migration 0002-ledger.sql) before this is called.
 *
 * Every write is one transaction, begun IMMEDIATE: the write lock is taken before the
 * balance is read, so admissions from several processes on one file serialize instead
 * of two of them spending the same credit (or failing with SQLITE_BUSY on the upgrade
 * from read to write). Called inside a caller's transaction (settle within the
 * generation writer's batch), better-sqlite3 turns it into a savepoint: it commits or
 * rolls back with the caller's. Multi-statement reads run in one deferred transaction,
 * so they see one snapshot.
 */
export function createSqliteLedger(database: Database): Ledger {
  const statements = prepareLedgerStatements(database);
  const grant = database.transaction((input: Parameters<Ledger['grant']>[0]) => grantCredit(statements, input));
  const hold = database.transaction((input: Parameters<Ledger['placeHold']>[0]) => placeHold(statements, input));
  const settle = database.transaction((input: Parameters<Ledger['settle']>[0]) => settleHold(statements, input));
  const reconcile = database.transaction((nowMs: number, graceMs: number) => expireHolds(statements, nowMs, graceMs));
  const balance = database.transaction((orgId: string) => readOrgBalance(statements, orgId));
  const keySpend = database.transaction((keyId: string, windowStartMs: number) =>
    readKeySpend(statements, keyId, windowStartMs),
  );
  const verify = database.transaction((nowMs: number, graceMs: number) => verifyLedger(database, nowMs, graceMs));
  return {
    grant: (input) => grant.immediate(input),
    placeHold: (input) => hold.immediate(input),
    settle: (input) => settle.immediate(input),
    reconcile: (nowMs, graceMs) => reconcile.immediate(nowMs, graceMs),
    balance: (orgId) => balance.deferred(orgId),
    keySpend: (keyId, windowStartMs) => keySpend.deferred(keyId, windowStartMs),
    findHold: (requestId) => {
      const row = statements.selectHold.get(requestId);
      return row === undefined ? undefined : convertHoldRow(row);
    },
    activeHolds: () => statements.selectActiveHolds.all().map(convertHoldRow),
    postings: (filter) => readPostings(statements, filter),
    verify: (nowMs, graceMs) => verify.deferred(nowMs, graceMs),
  };
}
