import type { EndpointKey } from '../health/index.js';
import type { AppContext } from './app-context.js';
import type { CallOutcome } from './call-outcome.js';
import type { RoutedCall } from './handle-model-call.js';

/** Throughput is only measured over generations at least this long (shorter ones are noise). */
const throughputWindowMsMin = 50;

/** Feeds an attempt that reached the client into endpoint health and prompt-cache stickiness. */
export function recordOutcome(
  app: AppContext,
  input: {
    readonly key: EndpointKey;
    readonly routed: RoutedCall;
    readonly outcome: CallOutcome;
    readonly sessionKey: string | undefined;
  },
): void {
  const { key, outcome } = input;
  const nowMs = app.now();
  if (outcome.ending === 'client_abort') return app.health.release(key);
  if (outcome.ending === 'upstream_error_after_output') {
    return app.health.recordFailure(key, { nowMs, kind: 'stream-error' });
  }
  const first = outcome.firstOutputAtMs;
  const generatingMs = first === undefined ? 0 : outcome.finishedAtMs - first;
  app.health.recordSuccess(key, {
    nowMs,
    ttftMs: first === undefined ? undefined : first - input.routed.attemptStartedAtMs,
    tokensPerSecond:
      generatingMs >= throughputWindowMsMin ? (outcome.completionTokens * 1000) / generatingMs : undefined,
  });
  if (input.sessionKey !== undefined) app.stickySessions.set(input.sessionKey, key, nowMs);
}
