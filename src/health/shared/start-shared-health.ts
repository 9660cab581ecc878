import type { Redis } from 'ioredis';
import type { HealthTracker } from '../health-types.js';
import { createSharedHealth } from './create-shared-health.js';
import type { SharedHealthChannel } from './start-shared-health-channel.js';
import { startSharedHealthChannel } from './start-shared-health-channel.js';
import type { SharedHealth } from './shared-health-types.js';

export interface StartSharedHealthOptions {
  /** The node's main Redis client (the rate limiter's); the channel adds its own subscriber connection. */
  readonly client: Redis;
  readonly keyPrefix: string;
  /** Config `cluster.node_id` (default host name and process id): must differ between the nodes of a cluster. */
  readonly nodeId: string;
  /** This node's in-memory tracker, wrapped. */
  readonly tracker: HealthTracker;
  readonly now: () => number;
  /** Publish and Redis connection failures (one per kind until the channel works again); for a log line. */
  readonly onError: (error: unknown) => void;
}

export interface RunningSharedHealth {
  readonly health: SharedHealth;
  readonly channel: SharedHealthChannel;
  /** Disconnects the subscriber at once; the main client belongs to its owner. */
  close(): void;
}

/**
 * Cluster mode's endpoint health: `tracker` wrapped by `createSharedHealth`, publishing and hearing rests on
 * `<prefix>health`. Resolves within `sharedHealthDefaults.startWaitMs` (1 s) even when Redis is down.
 */
export async function startSharedHealth(options: StartSharedHealthOptions): Promise<RunningSharedHealth> {
  // Set once the channel started; nothing is recorded before the node serves, which is after that.
  const link: { channel?: SharedHealthChannel } = {};
  const health = createSharedHealth({
    tracker: options.tracker,
    publish: (message) => link.channel?.publish(message),
    nodeId: options.nodeId,
    now: options.now,
    onError: options.onError,
  });
  const channel = await startSharedHealthChannel({
    client: options.client,
    keyPrefix: options.keyPrefix,
    onMessage: (message) => health.applyRemote(message),
    onError: options.onError,
  });
  link.channel = channel;
  return { health, channel, close: () => channel.close() };
}
