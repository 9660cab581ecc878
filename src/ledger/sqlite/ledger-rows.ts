import type { Hold, HoldStatus, Posting, PostingKind } from '../ledger-types.js';

/** Rows as read with `safeIntegers(true)`: every INTEGER column is a bigint. */
export interface HoldRow {
  readonly request_id: string;
  readonly org_id: string;
  readonly key_id: string;
  readonly amount: bigint;
  readonly status: HoldStatus;
  readonly created_at_ms: bigint;
  readonly expires_at_ms: bigint;
  readonly resolved_at_ms: bigint | null;
  readonly charged_nanos: bigint | null;
}

export interface PostingRow {
  readonly id: bigint;
  readonly transfer_id: string;
  readonly debit_account: string;
  readonly credit_account: string;
  readonly amount: bigint;
  readonly kind: PostingKind;
  readonly request_id: string | null;
  readonly attempt_id: string | null;
  readonly key_id: string | null;
  readonly created_at_ms: bigint;
}

/** Money stays bigint; times and ids (well below 2^53) become numbers. */
export function convertHoldRow(row: HoldRow): Hold {
  return {
    requestId: row.request_id,
    orgId: row.org_id,
    keyId: row.key_id,
    amount: row.amount,
    status: row.status,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    resolvedAtMs: row.resolved_at_ms === null ? null : Number(row.resolved_at_ms),
    chargedNanos: row.charged_nanos,
  };
}

export function convertPostingRow(row: PostingRow): Posting {
  return {
    id: Number(row.id),
    transferId: row.transfer_id,
    debitAccount: row.debit_account,
    creditAccount: row.credit_account,
    amount: row.amount,
    kind: row.kind,
    requestId: row.request_id,
    attemptId: row.attempt_id,
    keyId: row.key_id,
    createdAtMs: Number(row.created_at_ms),
  };
}
