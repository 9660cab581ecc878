import { AsyncLocalStorage } from 'node:async_hooks';
import { limits } from '../config/index.js';

/** What one HTTP request has learnt of the shared store (cluster mode): when it last found it unreachable. */
interface LedgerCallScope {
  unavailableAtMs: number | undefined;
}

const scopes = new AsyncLocalStorage<LedgerCallScope>();

/**
 * Runs one request's handling in a scope of its own. In cluster mode a paid call makes several store calls one
 * after another (its key when the 5 s cache ran out, its org's markup, its hold), each bounded by
 * `limits.ledgerCallTimeoutMs`; with PostgreSQL frozen each used to wait out that bound in turn. Once one of them
 * found the store unavailable, the request's calls in the next `limits.ledgerBreakerOpenMs` fail at once, so the
 * request waits for the store once (src/storage/postgres/guard-availability.ts). Later calls of a long request (a
 * stream's last writes, retries on timers it started) try the store again.
 */
export function runInLedgerCallScope<T>(work: () => T): T {
  return scopes.run({ unavailableAtMs: undefined }, work);
}

/** Whether a store call of the current request found the store unavailable within `limits.ledgerBreakerOpenMs`. */
export function isLedgerKnownUnavailable(nowMs: number): boolean {
  const unavailableAtMs = scopes.getStore()?.unavailableAtMs;
  return unavailableAtMs !== undefined && nowMs - unavailableAtMs < limits.ledgerBreakerOpenMs;
}

/** A store call of the current request (if any) found the store unavailable at `nowMs`. */
export function noteLedgerUnavailable(nowMs: number): void {
  const scope = scopes.getStore();
  if (scope !== undefined) scope.unavailableAtMs = nowMs;
}
