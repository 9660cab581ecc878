import type { Redis } from 'ioredis';

/**
 * The Redis keys of the shared response cache. Every key carries the hash tag `{cache}`, so all of them sit in one
 * Redis Cluster slot, which the store script (touching the index and the entries it evicts) needs.
 * - `<prefix>cache:{cache}:e:<hash>`: one answer (a string with a TTL);
 * - `…:expiry`: every stored hash scored by its expiry time (ms), the eviction order;
 * - `…:sizes`: every stored hash's size in bytes; `…:bytes`: their sum.
 */
export interface SharedCacheKeys {
  readonly entryPrefix: string;
  readonly expiry: string;
  readonly sizes: string;
  readonly bytes: string;
}

export function sharedCacheKeys(prefix: string): SharedCacheKeys {
  const base = `${prefix}cache:{cache}:`;
  return { entryPrefix: `${base}e:`, expiry: `${base}expiry`, sizes: `${base}sizes`, bytes: `${base}bytes` };
}

/**
 * Stores one answer and keeps the whole shared cache within its bounds, atomically:
 * 1. forgets (at most ARGV[8]) index members whose answers Redis has already expired;
 * 2. replaces the hash's earlier answer, if any;
 * 3. sets the answer with its TTL and indexes it by expiry and size;
 * 4. while the entries exceed ARGV[5] or their bytes ARGV[6], evicts the answer closest to expiry (possibly this one).
 * The index keys outlive the longest answer (ARGV[9] ms) and then go: an abandoned cache leaves nothing behind.
 * KEYS: expiry, sizes, bytes, entry. ARGV: hash, value, now, expiresAt, entriesMax, bytesMax, entryPrefix,
 * forgetMax, keepMs. Returns {stored (1/0), evicted}.
 */
const storeLua = `
local expiry, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local member, value = ARGV[1], ARGV[2]
local now, expiresAt = tonumber(ARGV[3]), tonumber(ARGV[4])
local entriesMax, bytesMax = tonumber(ARGV[5]), tonumber(ARGV[6])
local entryPrefix = ARGV[7]
local function forget(m)
  local size = tonumber(redis.call('HGET', sizes, m) or '0')
  redis.call('HDEL', sizes, m)
  redis.call('ZREM', expiry, m)
  redis.call('DEL', entryPrefix .. m)
  return redis.call('DECRBY', total, size)
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, tonumber(ARGV[8]))) do forget(m) end
if redis.call('HEXISTS', sizes, member) == 1 then forget(member) end
local size = string.len(value)
redis.call('SET', KEYS[4], value, 'PX', expiresAt - now)
redis.call('ZADD', expiry, expiresAt, member)
redis.call('HSET', sizes, member, size)
local bytes = redis.call('INCRBY', total, size)
local evicted, stored = 0, 1
while redis.call('ZCARD', expiry) > entriesMax or bytes > bytesMax do
  local oldest = redis.call('ZRANGE', expiry, 0, 0)[1]
  if oldest == member then stored = 0 end
  bytes = forget(oldest)
  evicted = evicted + 1
end
for _, key in ipairs({expiry, sizes, total}) do redis.call('PEXPIRE', key, ARGV[9]) end
return {stored, evicted}
`;

/** The command `defineCommand` adds to the client (ioredis does not type it). */
export interface SharedCacheCommands {
  meridianCacheStore(
    expiry: string,
    sizes: string,
    bytes: string,
    entry: string,
    ...argv: (string | number)[]
  ): Promise<[number, number]>;
}

/** Registers the store script on a client (sent with EVAL once per connection, then by its SHA). */
export function defineSharedCacheScript(client: Redis): SharedCacheCommands {
  client.defineCommand('meridianCacheStore', { numberOfKeys: 4, lua: storeLua });
  return client as unknown as SharedCacheCommands;
}
