import type { EndpointKey, HealthTracker } from '../health-types.js';
import { createRemoteRests } from './create-remote-rests.js';
import { sharedHealthDefaults } from './shared-health-defaults.js';
import type { SharedHealth, SharedHealthMessage } from './shared-health-types.js';

export interface SharedHealthOptions {
  /** This node's own tracker (breaker, `Retry-After` rests, measurements); it stays the source of truth for them. */
  readonly tracker: HealthTracker;
  /** Hands a message to the other nodes. Called synchronously and never awaited; a throw or rejection goes to `onError`. */
  readonly publish: (message: SharedHealthMessage) => void | Promise<void>;
  /** This node's id in the cluster: messages carrying it are its own echo and are ignored. */
  readonly nodeId: string;
  /** The clock for messages from other nodes (outcomes and reads carry their own time). */
  readonly now: () => number;
  /** A publish that failed (Redis down or slow): reported here, never to the request that caused it. */
  readonly onError?: (error: unknown) => void;
}

/**
 * This node's `HealthTracker`, plus the rests other nodes announce (cluster mode, docs/cluster.md "Shared endpoint
 * health"). Only availability is shared; uptime, percentiles and the breaker's counts stay per node.
 *
 * Announcing. After each outcome, and after an admitted attempt, the local `unavailableUntilMs` is compared with what
 * this node last announced for the endpoint: a new rest, or one that now ends later (a re-open with a doubled
 * cooldown, a longer `Retry-After`), is published; when a success leaves the endpoint available with its circuit
 * closed, the end of the announced rest is published (`untilMs: 0`). A rest that simply runs out is not announced:
 * the others' copy runs out at the same time. `isAvailable` (cheap) is asked first; `snapshot` (which sorts the
 * latency samples) only while the endpoint rests or a clear is due, so the hot path of a healthy endpoint pays one
 * map lookup.
 *
 * Honouring. A remote rest ends at its until-time, capped at arrival + `remoteRestMsMax` (5 min), or at that node's
 * clear. `isAvailable` and `tryAdmit` are false while one runs (without touching the local probe slot), and
 * `snapshot().unavailableUntilMs` is the later of the local and the remote rest. Until-times are epoch milliseconds
 * of the sender's clock: nodes on NTP agree to within milliseconds.
 */
export function createSharedHealth(options: SharedHealthOptions): SharedHealth {
  const { tracker, nodeId } = options;
  const remote = createRemoteRests({ countMax: sharedHealthDefaults.remoteRestsCountMax });
  /** The until-time this node last announced per endpoint, in order of announcement, until it announces the end. */
  const announced = new Map<EndpointKey, number>();

  const reportError = (error: unknown): void => options.onError?.(error);
  const send = (message: SharedHealthMessage): void => {
    try {
      const sent = options.publish(message);
      if (sent instanceof Promise) sent.catch(reportError);
    } catch (error) {
      reportError(error);
    }
  };
  const announce = (endpoint: EndpointKey, untilMs: number): void => {
    announced.delete(endpoint);
    const oldest = announced.size >= sharedHealthDefaults.announcementsCountMax ? announced.keys().next() : undefined;
    if (oldest?.done === false) announced.delete(oldest.value);
    announced.set(endpoint, untilMs);
    send({ endpoint, untilMs, nodeId });
  };
  const compareAndAnnounce = (key: EndpointKey, nowMs: number, isSuccess: boolean): void => {
    const announcedUntilMs = announced.get(key);
    // Available locally ⇒ no local rest (no Retry-After running, circuit not open).
    if (tracker.isAvailable(key, nowMs)) {
      if (!isSuccess || announcedUntilMs === undefined || tracker.snapshot(key, nowMs).circuit !== 'closed') return;
      announced.delete(key);
      return send({ endpoint: key, untilMs: 0, nodeId });
    }
    const localUntilMs = tracker.snapshot(key, nowMs).unavailableUntilMs;
    if (localUntilMs === undefined || localUntilMs <= (announcedUntilMs ?? -Infinity)) return;
    announce(key, localUntilMs);
  };

  return {
    isAvailable: (key, nowMs) => tracker.isAvailable(key, nowMs) && remote.untilMs(key, nowMs) === undefined,
    measuredLatencyMs: (key, nowMs) => tracker.measuredLatencyMs(key, nowMs),
    measuredThroughput: (key, nowMs) => tracker.measuredThroughput(key, nowMs),
    snapshot(key, nowMs) {
      const local = tracker.snapshot(key, nowMs);
      const remoteUntilMs = remote.untilMs(key, nowMs);
      if (remoteUntilMs === undefined || remoteUntilMs <= (local.unavailableUntilMs ?? -Infinity)) return local;
      return { ...local, unavailableUntilMs: remoteUntilMs };
    },
    tryAdmit(key, nowMs) {
      if (remote.untilMs(key, nowMs) !== undefined) return false;
      // A refused admission changes nothing; an admitted one can only take a probe slot (no new rest), but compare anyway.
      const isAdmitted = tracker.tryAdmit(key, nowMs);
      if (isAdmitted) compareAndAnnounce(key, nowMs, false);
      return isAdmitted;
    },
    recordSuccess(key, sample) {
      tracker.recordSuccess(key, sample);
      compareAndAnnounce(key, sample.nowMs, true);
    },
    recordFailure(key, sample) {
      tracker.recordFailure(key, sample);
      compareAndAnnounce(key, sample.nowMs, false);
    },
    release: (key) => tracker.release(key),
    applyRemote(message) {
      if (message.nodeId === nodeId || !Number.isFinite(message.untilMs) || message.untilMs < 0) return;
      if (message.untilMs === 0) return remote.clear(message.endpoint, message.nodeId);
      const nowMs = options.now();
      remote.set(
        message.endpoint,
        message.nodeId,
        Math.min(message.untilMs, nowMs + sharedHealthDefaults.remoteRestMsMax),
        nowMs,
      );
    },
    remoteRestsCount: () => remote.count(),
  };
}
