import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { isLedgerKnownUnavailable, noteLedgerUnavailable } from '../ledger-call-scope.js';

/**
 * Whether an error from the `pg` client means "PostgreSQL cannot answer now" (rather than a bad statement): a
 * refused or lost connection, a client-side timeout, a statement cancelled by `statement_timeout`, a server shutting
 * down or starting up, or too many connections. Node's own socket errors have no SQLSTATE.
 */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return unavailableSqlStates.some((p) => code.startsWith(p));
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET, ETIMEDOUT…: Node's codes are upper case) or one of the
  // client's own messages. A store's own coded error (an AnalyticsQueryError's `invalid_request`) is none of these.
  if (typeof code === 'string') return /^E[A-Z0-9_]+$/.test(code);
  return unavailableMessages.test(error.message);
}

/** Connection exceptions (08), operator intervention (57P0x: shutdown, cannot connect now), query_canceled, too_many_connections. */
const unavailableSqlStates = ['08', '57P01', '57P02', '57P03', '57014', '53300'];
const unavailableMessages =
  /timeout|timed out|Connection terminated|connection error|ECONNREFUSED|ECONNRESET|Client has encountered a connection error/i;

/** The error a call gets while the shared store cannot answer: 503 `ledger_unavailable`, retry in a second. */
export function createUnavailableError(): GatewayError {
  return new GatewayError({
    code: 'ledger_unavailable',
    message: 'The ledger cannot be reached right now; nothing was charged. Retry shortly.',
    retryAfterSeconds: limits.ledgerUnavailableRetryAfterSeconds,
  });
}

export interface AvailabilityGuard {
  /** Runs a store call: an unavailable store, or one slower than `limits.ledgerCallTimeoutMs`, becomes 503 `ledger_unavailable`. */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** False while the breaker is open (the last calls found PostgreSQL unreachable). */
  isAvailable(): boolean;
}

/**
 * A breaker in front of PostgreSQL: after `limits.ledgerBreakerFailuresMax` unavailable answers in a row, calls fail
 * at once for `limits.ledgerBreakerOpenMs` (then one call probes), so a stopped or frozen database costs a request
 * nothing but the 503, never the client's whole timeout. Within one request (`runInLedgerCallScope`), a call made
 * within `limits.ledgerBreakerOpenMs` of one that found the store unavailable fails at once: a paid call waits for the
 * store at most `limits.ledgerCallTimeoutMs` in all, not once per store call it makes. A call that times out here may still complete on the server
 * later (a frozen server that thaws): an admission's hold placed that way is expired by the reconciler (TTL + grace).
 */
export function createAvailabilityGuard(options: { readonly now?: () => number } = {}): AvailabilityGuard {
  const now = options.now ?? Date.now;
  let failuresInRow = 0;
  let openUntilMs = Number.NEGATIVE_INFINITY;
  const noteFailure = (): void => {
    failuresInRow += 1;
    if (failuresInRow >= limits.ledgerBreakerFailuresMax) openUntilMs = now() + limits.ledgerBreakerOpenMs;
  };
  return {
    isAvailable: () => now() >= openUntilMs,
    async run(call) {
      // Within one request the store is waited for once: a call after one that found it unavailable fails at once.
      if (now() < openUntilMs || isLedgerKnownUnavailable(now())) throw createUnavailableError();
      try {
        const result = await withTimeout(call(), limits.ledgerCallTimeoutMs);
        failuresInRow = 0;
        return result;
      } catch (error) {
        if (!(error instanceof TimeoutError) && !isUnavailableError(error)) throw error;
        noteFailure();
        noteLedgerUnavailable(now());
        throw createUnavailableError();
      }
    },
  };
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  // The late answer (or error) of a call given up on is ignored.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Wraps every method of a port so that each call goes through the guard. */
export function guardPort<T extends object>(port: T, guard: AvailabilityGuard): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(port)) {
    guarded[name] =
      typeof method === 'function'
        ? (...args: unknown[]) => guard.run(() => Promise.resolve((method as (...a: unknown[]) => unknown)(...args)))
        : method;
  }
  return guarded as T;
}
