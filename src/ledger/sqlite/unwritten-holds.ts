import type { Nanos, PlaceHoldInput } from '../ledger-types.js';
import type { HoldRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/**
 * Holds a batch has posted (available → held) but whose rows it writes only after its settlements
 * (`HoldBook.flushWith`): a call that ends within its hold's write delay has its hold row written once, already
 * resolved, instead of inserted active and updated in the same commit (two index entries added and removed).
 */
export interface UnwrittenHolds {
  /** The hold of `requestId`, still active, if its row is yet to be written: the caller then writes it resolved. */
  take(requestId: string): HoldRow | undefined;
  /**
   * Credit of `orgId` admitted but not posted yet (holds still queued): a settlement's top-up must leave it, or it
   * would spend what another running call was promised.
   */
  reservedFor(orgId: string): Nanos;
}

/** The hold book's queue, as a batch sees it (see {@link runWithUnwrittenHolds}). */
export interface QueuedHolds {
  /** Posts the queued hold of `requestId` (taken out of the queue), if there is one. */
  take(requestId: string): PostedHold | undefined;
  /** What the queue still holds for `orgId`. */
  reservedFor(orgId: string): Nanos;
}

const noQueuedHolds: QueuedHolds = { take: () => undefined, reservedFor: () => 0n };

/** Where the ledger's statements find the batch's unwritten holds, if a batch is being written. */
export interface UnwrittenHoldsSlot {
  current: UnwrittenHolds | undefined;
}

/** Holds written by this process, by request id, as written (the hold book's; none in `each` mode). */
export interface WrittenHoldsSlot {
  current: Map<string, HoldRow> | undefined;
}

/** Bound on {@link WrittenHoldsSlot}: past it the map starts again (it only saves reads). */
export const writtenHoldsCountMax = 65_536;

/**
 * Inserts a hold's row, active, and remembers it, so that its settlement need not read it back: the settlement's
 * update (`WHERE status = 'active'`) confirms it is still active before anything is posted (see settleHold).
 */
export function insertActiveHold(statements: LedgerStatements, input: PlaceHoldInput, amount: Nanos): void {
  statements.insertHold.run(input.requestId, input.orgId, input.keyId, amount, input.nowMs, input.nowMs + input.ttlMs);
  const written = statements.written.current;
  if (written === undefined) return;
  if (written.size >= writtenHoldsCountMax) written.clear();
  written.set(input.requestId, toActiveHoldRow(input, amount));
}

/** The row of a hold written (or about to be) active for `input`, holding `amount`. */
export function toActiveHoldRow(input: PlaceHoldInput, amount: Nanos): HoldRow {
  return {
    request_id: input.requestId,
    org_id: input.orgId,
    key_id: input.keyId,
    amount,
    status: 'active',
    created_at_ms: BigInt(input.nowMs),
    expires_at_ms: BigInt(input.nowMs + input.ttlMs),
    resolved_at_ms: null,
    charged_nanos: null,
  };
}

/** A queued hold its batch has posted: `written` is its decided amount re-capped at the balance (`postHold`). */
export interface PostedHold {
  readonly input: PlaceHoldInput;
  readonly written: Nanos;
}

/**
 * Runs `work` (inside the batch's transaction) with `posted` takeable by settlement, then writes the rows of the
 * holds it did not settle, active. A batch inside another sees the outer one's holds too. A hold still `queued` (not
 * among `posted`) is posted when its settlement asks for it: its row is then written once, resolved.
 */
export function runWithUnwrittenHolds<T>(
  statements: LedgerStatements,
  posted: readonly PostedHold[],
  work: () => T,
  queued: QueuedHolds = noQueuedHolds,
): T {
  const unwritten = new Map(posted.map((entry) => [entry.input.requestId, entry]));
  const outer = statements.unwritten.current;
  statements.unwritten.current = {
    take: (requestId) => takeUnwritten(unwritten, requestId) ?? outer?.take(requestId) ?? takeQueued(queued, requestId),
    reservedFor: (orgId) => queued.reservedFor(orgId),
  };
  try {
    const result = work();
    for (const { input, written } of unwritten.values()) insertActiveHold(statements, input, written);
    return result;
  } finally {
    statements.unwritten.current = outer;
  }
}

function takeUnwritten(unwritten: Map<string, PostedHold>, requestId: string): HoldRow | undefined {
  const entry = unwritten.get(requestId);
  if (entry === undefined) return undefined;
  unwritten.delete(requestId);
  return toActiveHoldRow(entry.input, entry.written);
}

function takeQueued(queued: QueuedHolds, requestId: string): HoldRow | undefined {
  const entry = queued.take(requestId);
  return entry === undefined ? undefined : toActiveHoldRow(entry.input, entry.written);
}
