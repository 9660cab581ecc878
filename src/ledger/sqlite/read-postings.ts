import type { Posting } from '../ledger-types.js';
import { convertPostingRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/** Postings in id order, all or those of one request and/or touching one account (either side). */
export function readPostings(
  statements: LedgerStatements,
  filter: { readonly requestId?: string; readonly account?: string } = {},
): readonly Posting[] {
  const { requestId, account } = filter;
  const rows =
    requestId !== undefined
      ? statements.selectPostingsByRequest.all(requestId)
      : account !== undefined
        ? statements.selectPostingsByAccount.all(account, account)
        : statements.selectAllPostings.all();
  const matching =
    requestId !== undefined && account !== undefined
      ? rows.filter((row) => row.debit_account === account || row.credit_account === account)
      : rows;
  return matching.map(convertPostingRow);
}
