import type { Posting } from '../ledger-types.js';
import { convertPostingRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/**
 * Postings in id order, all or those of one request and/or touching one account (either side). By request is
 * indexed (the kinds that carry a request id: the hold path and provider costs; grants carry none, and a refund,
 * an operator's correction, is found by account); by account alone scans, for reports only.
 */
export function readPostings(
  statements: LedgerStatements,
  filter: { readonly requestId?: string; readonly account?: string } = {},
): readonly Posting[] {
  const { requestId, account } = filter;
  const rows =
    requestId !== undefined
      ? statements.selectPostingsByRequest.all(requestId, requestId)
      : account !== undefined
        ? statements.selectPostingsByAccount.all(account, account)
        : statements.selectAllPostings.all();
  const matching =
    requestId !== undefined && account !== undefined
      ? rows.filter((row) => row.debit_account === account || row.credit_account === account)
      : rows;
  return matching.map(convertPostingRow);
}
