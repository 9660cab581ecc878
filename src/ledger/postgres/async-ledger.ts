import type { AsyncPort } from '../../storage/async-port.js';
import type { Ledger } from '../ledger-types.js';

/**
 * The {@link Ledger} port answering through promises: what the PostgreSQL ledger implements and, wrapped with
 * `toAsyncPort`, the SQLite one too. `AsyncPort<Ledger>` maps every method mechanically but one: the generic
 * `withPendingWritten<T>` loses its type parameter (it would take `() => unknown`), so it is declared here.
 */
export type AsyncLedger = Omit<AsyncPort<Ledger>, 'withPendingWritten'> & {
  /**
   * Runs `work` after the admissions not yet durable are written. A store that writes each hold at once (PostgreSQL)
   * has none, so this only runs `work`; to write in the ledger's own transaction, use the driver's transaction
   * functions (e.g. `settleHoldInTransaction`).
   */
  withPendingWritten<T>(work: () => T | Promise<T>): Promise<T>;
};
