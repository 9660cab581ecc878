import type { AppContext } from './app-context.js';

/**
 * Gives back the hold of a call that ended before any attempt settled it (charge 0).
 * A no-op when there is no hold (refused at admission) or it was already resolved.
 */
export function releaseUnsettledHold(app: AppContext, requestId: string): void {
  if (app.storage.ledger.findHold(requestId)?.status !== 'active') return;
  app.storage.ledger.settle({ requestId, chargeNanos: 0n, attemptCosts: [], nowMs: app.now() });
}
