import { Redis } from 'ioredis';
import { limits } from '../../config/index.js';

export interface RedisClientOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Config `redis.command_timeout_ms`; default `limits.redisCommandTimeoutMs`. */
  readonly commandTimeoutMs?: number | undefined;
  /** Connection errors (refused, reset, timed out); the client keeps reconnecting on its own. */
  readonly onError?: (error: Error) => void;
}

/**
 * A Redis client that never makes a request wait on Redis for longer than the command timeout:
 * - `commandTimeout`: every command rejects after it (a frozen server, a lost packet);
 * - `enableOfflineQueue: false`: while disconnected, commands reject at once instead of queueing;
 * - `maxRetriesPerRequest: 0` and no resend on reconnect: an admission script is never run twice
 *   (a resent admission would count a request twice);
 * - reconnection in the background, backing off to `limits.redisReconnectDelayMsMax`.
 * Created unconnected (`lazyConnect`); call `connectRedisClient` once at start.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const client = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? limits.redisCommandTimeoutMs,
    connectTimeout: limits.redisConnectTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempts) => Math.min(attempts * 100, limits.redisReconnectDelayMsMax),
    lazyConnect: true,
    connectionName: 'meridian',
  });
  // Without a listener ioredis prints every connection error; the owner decides what to log.
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

/**
 * Opens the connection, bounded by `limits.redisConnectTimeoutMs`. Resolves false when Redis cannot be reached:
 * the node then starts degraded and the client keeps reconnecting in the background.
 */
export async function connectRedisClient(client: Redis): Promise<boolean> {
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  }
}
