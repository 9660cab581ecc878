/** Requests and tokens are counted per UTC minute (fixed windows: exact, testable counts). */
export const rateWindowMs = 60_000;

/** The UTC minute a moment falls in: its index (minutes since the epoch) and the whole seconds until it ends. */
export interface RateWindow {
  readonly index: number;
  /** At least 1: a refusal in the minute's last millisecond still says "retry in 1 s", never 0. */
  readonly resetSeconds: number;
}

/** The rate window of `nowMs`. Both limiters use it, so a key's minute starts at the same instant on every node. */
export function currentRateWindow(nowMs: number): RateWindow {
  const index = Math.floor(nowMs / rateWindowMs);
  const resetSeconds = Math.max(1, Math.ceil(((index + 1) * rateWindowMs - nowMs) / 1000));
  return { index, resetSeconds };
}
