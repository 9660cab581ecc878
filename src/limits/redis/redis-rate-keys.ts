/** The Redis keys one key's limits live in for one UTC minute. */
export interface RedisRateKeys {
  /** Requests admitted in the minute (a counter with a TTL). */
  readonly requests: string;
  /** Tokens counted in the minute: estimates at admission, corrected to actual counts at finish. */
  readonly tokens: string;
  /** In-flight requests: a sorted set of request ids scored by lease expiry (ms). Not per minute. */
  readonly inflight: string;
}

/**
 * `<prefix>rate:{<keyId>}:requests:<minute>`, `…:tokens:<minute>` and `<prefix>rate:{<keyId>}:inflight`.
 * The braces are a Redis Cluster hash tag: a key's three keys share one slot, which a script touching all
 * of them needs (so the prefix must not contain braces; the config schema refuses them).
 */
export function redisRateKeys(prefix: string, keyId: string, windowIndex: number): RedisRateKeys {
  const base = `${prefix}rate:{${keyId}}`;
  return {
    requests: `${base}:requests:${windowIndex}`,
    tokens: `${base}:tokens:${windowIndex}`,
    inflight: `${base}:inflight`,
  };
}

/** The sorted set of node ids scored by their last heartbeat (ms). */
export function redisNodesKey(prefix: string): string {
  return `${prefix}nodes`;
}
