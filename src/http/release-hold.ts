import { limits } from '../config/index.js';
import type { AppContext } from './app-context.js';

/** Holds whose release failed, per app: retried until they succeed (a full disk, PostgreSQL down, then back). */
interface PendingReleases {
  readonly requestIds: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

const pendingByApp = new WeakMap<AppContext, PendingReleases>();

/**
 * Gives back the hold of a call that ended before any attempt settled it (charge 0).
 * A no-op when there is no hold (refused at admission) or it was already resolved.
 * Never throws. When the ledger cannot answer (PostgreSQL down, a database that cannot be written), the release is
 * retried every `limits.holdReleaseRetryIntervalMs` until it goes through, so the customer's credit comes back as
 * soon as the ledger does, not when the hold's TTL (over an hour by default) runs out. Past
 * `limits.holdReleaseRetriesMax` waiting releases, the reconciler expires the rest after their TTL, by the same rule.
 */
export async function releaseUnsettledHold(app: AppContext, requestId: string): Promise<void> {
  const outcome = await tryRelease(app, requestId);
  if (!(outcome instanceof Error)) return;
  app.log.error('hold_release_failed', { requestId, error: describe(outcome) });
  queueRetry(app, requestId);
}

/** Releases the hold if it is still active: whether one was released, or the error when the ledger could not answer. */
async function tryRelease(app: AppContext, requestId: string): Promise<'released' | 'none' | Error> {
  try {
    if ((await app.storage.ledger.findHold(requestId))?.status !== 'active') return 'none';
    await app.storage.ledger.settle({ requestId, chargeNanos: 0n, attemptCosts: [], nowMs: app.now() });
    return 'released';
  } catch (error) {
    return error instanceof Error ? error : new Error(describe(error));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? String(error) : (JSON.stringify(error) ?? 'unknown error');
}

function queueRetry(app: AppContext, requestId: string): void {
  let pending = pendingByApp.get(app);
  if (pending === undefined) {
    pending = { requestIds: new Set(), timer: undefined };
    pendingByApp.set(app, pending);
  }
  if (pending.requestIds.size >= limits.holdReleaseRetriesMax) return;
  pending.requestIds.add(requestId);
  scheduleRetry(app, pending);
}

function scheduleRetry(app: AppContext, pending: PendingReleases): void {
  pending.timer ??= setTimeout(() => void retryPending(app, pending), limits.holdReleaseRetryIntervalMs).unref();
}

async function retryPending(app: AppContext, pending: PendingReleases): Promise<void> {
  pending.timer = undefined;
  for (const requestId of [...pending.requestIds]) {
    // The first failure was logged; a retry that fails again waits for the next round silently.
    const outcome = await tryRelease(app, requestId);
    if (outcome instanceof Error) continue;
    pending.requestIds.delete(requestId);
    if (outcome === 'released') app.log.info('hold_released_on_retry', { requestId });
  }
  if (pending.requestIds.size > 0) scheduleRetry(app, pending);
}
