export type * from './ledger-types.js';
export { createSqliteLedger } from './sqlite/create-sqlite-ledger.js';
export type { SqliteLedgerOptions } from './sqlite/create-sqlite-ledger.js';
export { formatInvariantReport } from './format-invariant-report.js';
export { ledgerAccounts } from './ledger-accounts.js';
export { nanosMax } from './assert-nanos.js';
export { codeGrantIdPrefix, configGrantIdPrefix, reservedGrantIdPrefixes } from './grant-ids.js';
export { balanceNanosMax, LedgerRefusal } from './ledger-refusal.js';
