import type { Redis } from 'ioredis';
import { parseSharedHealthMessage } from './parse-shared-health-message.js';
import { sharedHealthDefaults } from './shared-health-defaults.js';
import type { SharedHealthMessage } from './shared-health-types.js';

export interface SharedHealthChannelOptions {
  /**
   * The node's main client (`createRedisClient`: short command timeout, no offline queue). Publishes go through it;
   * the subscriber is a `duplicate()` of it, owned by the channel.
   */
  readonly client: Redis;
  /** Config `redis.key_prefix`; the channel is `<prefix>health`. */
  readonly keyPrefix: string;
  /** Every well-formed message on the channel, this node's own included (the receiver ignores those). */
  readonly onMessage: (message: SharedHealthMessage) => void;
  /** Connection, subscription and publish failures, one report per kind until the channel works again. */
  readonly onError: (error: Error) => void;
}

export interface SharedHealthChannel {
  /** `PUBLISH <prefix>health <json>`: fire-and-forget, never throws, never waits; a failure goes to `onError`. */
  publish(message: SharedHealthMessage): void;
  /** Messages dropped as malformed (not JSON, wrong fields, too long) since the start. */
  droppedMessagesCount(): number;
  /** Disconnects the subscriber at once (nothing to flush), so a frozen Redis cannot hold a shutdown. */
  close(): void;
}

/** The Redis Pub/Sub channel the nodes of one cluster share for endpoint rests. */
export function sharedHealthChannelName(keyPrefix: string): string {
  return `${keyPrefix}health`;
}

/**
 * Subscribes a separate connection to `<prefix>health` (a subscribed connection can run no other command) and
 * resolves once the first subscription is answered, or after `startWaitMs` (1 s) at most: a node whose Redis is
 * down starts anyway. The subscriber subscribes again after every reconnection; a SUBSCRIBE that fails (not
 * answered within `subscribeTimeoutMs`) forces a reconnection, so a node never stays deaf on a live connection.
 * Pub/Sub keeps no history: messages sent while a node is not subscribed are lost to it, which costs it only the
 * failed calls it would have made without shared health.
 */
export async function startSharedHealthChannel(options: SharedHealthChannelOptions): Promise<SharedHealthChannel> {
  const channel = sharedHealthChannelName(options.keyPrefix);
  const subscriber = options.client.duplicate({
    lazyConnect: true,
    autoResubscribe: false,
    commandTimeout: sharedHealthDefaults.subscribeTimeoutMs,
    connectionName: 'meridian-health',
  });
  const reporter = createErrorReporter(options.onError);
  let droppedCount = 0;
  let isClosed = false;
  let settleStart = (): void => undefined;
  const started = new Promise<void>((resolve) => {
    settleStart = resolve;
  });

  subscriber.on('error', (error: Error) => {
    reporter.report(error);
    settleStart();
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        reporter.reset();
        settleStart();
      },
      (error: unknown) => {
        reporter.report(toError(error));
        settleStart();
        if (!isClosed) subscriber.disconnect(true);
      },
    );
  });
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    const message = parseSharedHealthMessage(text);
    if (message === undefined) {
      droppedCount += 1;
      return;
    }
    try {
      options.onMessage(message);
    } catch (error) {
      reporter.report(toError(error));
    }
  });
  subscriber.connect().catch(() => undefined); // failures arrive as 'error' events; reconnection continues
  await waitAtMost(started, sharedHealthDefaults.startWaitMs);

  return {
    publish(message) {
      options.client.publish(channel, JSON.stringify(message)).then(
        () => reporter.reset(),
        (error: unknown) => reporter.report(toError(error)),
      );
    },
    droppedMessagesCount: () => droppedCount,
    close() {
      isClosed = true;
      subscriber.disconnect();
    },
  };
}

/** One report per kind of failure (error code, else message) until `reset`: an outage is one log line, not one per retry. */
function createErrorReporter(onError: (error: Error) => void): { report(error: Error): void; reset(): void } {
  let lastKind: string | undefined;
  return {
    report(error) {
      const kind = (error as NodeJS.ErrnoException).code ?? error.message;
      if (kind === lastKind) return;
      lastKind = kind;
      onError(error);
    },
    reset() {
      lastKind = undefined;
    },
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function waitAtMost(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([work, bound]).finally(() => clearTimeout(timer));
}
