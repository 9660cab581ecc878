import type { AppContext } from './app-context.js';

/**
 * Gives back the hold of a call that ended before any attempt settled it (charge 0).
 * A no-op when there is no hold (refused at admission) or it was already resolved.
 * Never throws: when the ledger cannot answer (PostgreSQL down), the hold stays active
 * and the reconciler expires it after its TTL, by the same rule (everything back).
 */
export async function releaseUnsettledHold(app: AppContext, requestId: string): Promise<void> {
  try {
    if ((await app.storage.ledger.findHold(requestId))?.status !== 'active') return;
    await app.storage.ledger.settle({ requestId, chargeNanos: 0n, attemptCosts: [], nowMs: app.now() });
  } catch (error) {
    app.log.error('hold_release_failed', { requestId, error: String(error) });
  }
}
