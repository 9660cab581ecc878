import type { KeyRecord } from '../storage/index.js';

const dayMs = 86_400_000;

/**
 * Start (UTC) of the credit-limit window a key's spend is counted in: today,
 * this ISO week (Monday 00:00), this month; 0 for `none` (all-time).
 */
export function currentLimitWindowStartMs(reset: KeyRecord['limitReset'], nowMs: number): number {
  const now = new Date(nowMs);
  switch (reset) {
    case 'none':
      return 0;
    case 'daily':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    case 'weekly': {
      const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const daysSinceMonday = (now.getUTCDay() + 6) % 7;
      return dayStart - daysSinceMonday * dayMs;
    }
    case 'monthly':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    default: {
      const exhausted: never = reset;
      return exhausted;
    }
  }
}
