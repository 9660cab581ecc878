import { limits } from '../config/index.js';
import { GatewayError } from '../errors/index.js';

/** A request body being read: when it began, when its last bytes came, and how to give up on it. */
interface BodyRead {
  readonly startedAtMs: number;
  lastDataAtMs: number;
  readonly fail: (error: GatewayError) => void;
}

const reads = new Set<BodyRead>();
let sweep: NodeJS.Timeout | undefined;

/**
 * Watches a request body until it has all arrived: one that stays silent for `requestBodyIdleTimeoutMs`, or is still
 * arriving after `requestBodyTotalTimeoutMs`, fails with 408 `request_timeout`, which the client gets in its own
 * protocol's error shape (Node's own `requestTimeout` would answer a bare 408 with no body). One shared sweep every
 * second checks them all, so a body that arrives at once, as nearly all do, costs a set insert and delete, no timer.
 *
 * @returns `touch` (bytes arrived) and `done` (the body ended or failed: stop watching).
 */
export function watchBodyRead(fail: (error: GatewayError) => void): { touch(): void; done(): void } {
  const nowMs = Date.now();
  const read: BodyRead = { startedAtMs: nowMs, lastDataAtMs: nowMs, fail };
  reads.add(read);
  sweep ??= setInterval(sweepReads, bodySweepIntervalMs).unref();
  return {
    touch: () => void (read.lastDataAtMs = Date.now()),
    done: () => void reads.delete(read),
  };
}

/** How often the shared sweep looks at the bodies being read. */
export const bodySweepIntervalMs = 1_000;

function sweepReads(): void {
  const nowMs = Date.now();
  for (const read of reads) {
    const isIdle = nowMs - read.lastDataAtMs >= limits.requestBodyIdleTimeoutMs;
    const isLate = nowMs - read.startedAtMs >= limits.requestBodyTotalTimeoutMs;
    if (!isIdle && !isLate) continue;
    reads.delete(read);
    read.fail(
      new GatewayError({
        code: 'request_timeout',
        message: isIdle
          ? `The request body stopped arriving: nothing for ${limits.requestBodyIdleTimeoutMs / 1000} s.`
          : `The request body took longer than ${limits.requestBodyTotalTimeoutMs / 1000} s to arrive.`,
      }),
    );
  }
}
