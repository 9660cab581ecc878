import type { FailureKind, HealthTracker } from './health-types.js';

/** The endpoint most tests use. */
export const key = 'acme/model-x';

/** Admits and fails `count` attempts at `nowMs`; returns how many were admitted. */
export function failMany(
  tracker: HealthTracker,
  nowMs: number,
  count: number,
  kind: FailureKind = 'server-error',
): number {
  let admitted = 0;
  for (let index = 0; index < count; index += 1) {
    if (!tracker.tryAdmit(key, nowMs)) continue;
    admitted += 1;
    tracker.recordFailure(key, { nowMs, kind });
  }
  return admitted;
}

/** Admits and completes `count` attempts at `nowMs` with no measurements. */
export function succeedMany(tracker: HealthTracker, nowMs: number, count: number): void {
  for (let index = 0; index < count; index += 1) {
    if (tracker.tryAdmit(key, nowMs))
      tracker.recordSuccess(key, { nowMs, ttftMs: undefined, tokensPerSecond: undefined });
  }
}
