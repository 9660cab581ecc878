import { assertNanos } from '../assert-nanos.js';
import type { Nanos, PostingKind } from '../ledger-types.js';

/** One posting to append; the statement gives it its id and time. */
export interface PostingDraft {
  readonly transferId: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  readonly amount: Nanos;
  readonly kind: PostingKind;
  readonly requestId: string | null;
  readonly attemptId: string | null;
  readonly keyId: string | null;
}

/**
 * Two CTEs (to follow others in a `WITH` list): `new_postings` appends the postings given as column arrays at
 * parameters `$first` … `$first + 7` (see {@link convertPostingDrafts}), in array order, created at `$time`;
 * `new_deltas` records, for every platform account they move (any account but `org:…`), its delta. Org accounts
 * are cached in ledger_org_balances, which the caller's statement moves itself.
 *
 * A provider cost already posted for its (request, attempt) is skipped: exact as long as the caller holds the hold's
 * row lock, which every writer of a request's provider costs takes first.
 */
export function buildAppendPostingsSql(first: number, time: number): string {
  const arrays = ['text', 'text', 'text', 'bigint', 'text', 'text', 'text', 'text']
    .map((type, index) => `$${first + index}::${type}[]`)
    .join(', ');
  return `
    new_postings AS (
      INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id,
        key_id, created_at_ms)
      SELECT u.transfer_id, u.debit_account, u.credit_account, u.amount, u.kind, u.request_id, u.attempt_id, u.key_id,
        $${time}::bigint
      FROM unnest(${arrays}) WITH ORDINALITY
        AS u(transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, position)
      WHERE u.kind <> 'provider_cost' OR NOT EXISTS (
        SELECT 1 FROM ledger_postings p
        WHERE p.kind = 'provider_cost' AND p.request_id = u.request_id AND p.attempt_id = u.attempt_id)
      ORDER BY u.position
      RETURNING debit_account, credit_account, amount
    ),
    new_deltas AS (
      INSERT INTO ledger_balance_deltas (account, delta)
      SELECT v.account, v.delta FROM new_postings p
      CROSS JOIN LATERAL (VALUES (p.debit_account, -p.amount), (p.credit_account, p.amount)) AS v(account, delta)
      WHERE left(v.account, 4) <> 'org:'
    )`;
}

/** The column arrays of {@link buildAppendPostingsSql}, each amount checked to be in [1, 1e18] nanos. */
export function convertPostingDrafts(drafts: readonly PostingDraft[]): unknown[] {
  for (const draft of drafts) assertNanos(`${draft.kind} amount`, draft.amount, 1n);
  return [
    drafts.map((draft) => draft.transferId),
    drafts.map((draft) => draft.debitAccount),
    drafts.map((draft) => draft.creditAccount),
    drafts.map((draft) => draft.amount),
    drafts.map((draft) => draft.kind),
    drafts.map((draft) => draft.requestId),
    drafts.map((draft) => draft.attemptId),
    drafts.map((draft) => draft.keyId),
  ];
}
