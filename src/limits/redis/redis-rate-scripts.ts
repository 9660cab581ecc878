import type { Redis } from 'ioredis';
import type { RateLimitKind } from '../create-rate-limiter.js';
import type { RedisRateKeys } from './redis-rate-keys.js';

/**
 * One admission, all or nothing: purge expired leases, check requests, tokens and concurrency (in that order,
 * like the in-memory limiter), and only if all pass count the request, its estimated tokens and its lease.
 * A limit of -1 is "none": its counter is neither read nor written. Returns {refusal, requests, tokens}
 * (refusal 0 = admitted, 1 requests, 2 tokens, 3 concurrency; counts as they were before this request).
 * Time comes from the calling node (ARGV[1]) so windows and leases follow one clock per node, testable.
 */
const admitLua = `
local requestsMax = tonumber(ARGV[2])
local tokensMax = tonumber(ARGV[3])
local concurrencyMax = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
local requests = 0
if requestsMax >= 0 then requests = tonumber(redis.call('GET', KEYS[1]) or '0') end
local tokens = 0
if tokensMax >= 0 then tokens = tonumber(redis.call('GET', KEYS[2]) or '0') end
local refusal = 0
if requestsMax >= 0 and requests >= requestsMax then refusal = 1
elseif tokensMax >= 0 and tokens >= tokensMax then refusal = 2
elseif concurrencyMax >= 0 and redis.call('ZCARD', KEYS[3]) >= concurrencyMax then refusal = 3 end
if refusal == 0 then
  if requestsMax >= 0 then
    redis.call('INCR', KEYS[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[8])
  end
  if tokensMax >= 0 then
    redis.call('INCRBY', KEYS[2], ARGV[5])
    redis.call('PEXPIRE', KEYS[2], ARGV[8])
  end
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[9])
end
return {refusal, requests, tokens}
`;

/**
 * The end of an admitted request: remove its lease and, only if the lease was there (so a release sent twice,
 * or for an admission that never reached Redis, changes nothing), add the token correction and the request
 * correction to the minute's counters (never below 0, keeping their TTL). Returns 1 when the lease was removed.
 */
const releaseLua = `
if redis.call('ZREM', KEYS[3], ARGV[1]) == 0 then return 0 end
local tokensDelta = tonumber(ARGV[2])
if tokensDelta ~= 0 then
  local tokens = redis.call('GET', KEYS[2])
  if tokens then redis.call('SET', KEYS[2], math.max(0, tonumber(tokens) + tokensDelta), 'KEEPTTL') end
end
local requestsDelta = tonumber(ARGV[3])
if requestsDelta ~= 0 then
  local requests = redis.call('GET', KEYS[1])
  if requests then redis.call('SET', KEYS[1], math.max(0, tonumber(requests) + requestsDelta), 'KEEPTTL') end
end
return 1
`;

/** A node's heartbeat: record it, forget nodes not seen since ARGV[3] (exclusive bound), return the live count. */
const heartbeatLua = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
`;

/** The limits as the script reads them: -1 for "none". */
export interface AdmitScriptArguments {
  readonly nowMs: number;
  readonly requestsMax: number;
  readonly tokensMax: number;
  readonly concurrencyMax: number;
  readonly estimatedTokens: number;
  readonly requestId: string;
  readonly leaseExpiresAtMs: number;
  readonly windowKeyTtlMs: number;
  readonly leaseMs: number;
}

export interface AdmitScriptReply {
  readonly refusal: RateLimitKind | undefined;
  readonly requests: number;
  readonly tokens: number;
}

export interface ReleaseScriptArguments {
  readonly requestId: string;
  readonly tokensDelta: number;
  readonly requestsDelta: number;
}

export interface HeartbeatScriptArguments {
  readonly nowMs: number;
  readonly nodeId: string;
  /** Nodes last seen before this are dropped. */
  readonly liveSinceMs: number;
  readonly ttlMs: number;
}

export interface RedisRateScripts {
  admit(keys: RedisRateKeys, request: AdmitScriptArguments): Promise<AdmitScriptReply>;
  /** True when the request's lease was still there (and so its corrections were applied). */
  release(keys: RedisRateKeys, release: ReleaseScriptArguments): Promise<boolean>;
  /** The live node count, this node included. */
  heartbeat(nodesKey: string, beat: HeartbeatScriptArguments): Promise<number>;
}

type ScriptArgument = string | number;

/** The commands `defineCommand` adds to the client (ioredis does not type them). */
interface ScriptCommands {
  meridianRateAdmit(...args: ScriptArgument[]): Promise<unknown>;
  meridianRateRelease(...args: ScriptArgument[]): Promise<unknown>;
  meridianNodeHeartbeat(...args: ScriptArgument[]): Promise<unknown>;
}

const refusals: readonly (RateLimitKind | undefined)[] = [undefined, 'requests', 'tokens', 'concurrency'];

/**
 * Registers the rate-limit scripts on a client (`defineCommand`: sent once per connection with EVAL, then by
 * SHA) and returns typed callers. Replies of an unexpected shape throw, which the limiter counts as a failure.
 */
export function defineRedisRateScripts(client: Redis): RedisRateScripts {
  client.defineCommand('meridianRateAdmit', { numberOfKeys: 3, lua: admitLua });
  client.defineCommand('meridianRateRelease', { numberOfKeys: 3, lua: releaseLua });
  client.defineCommand('meridianNodeHeartbeat', { numberOfKeys: 1, lua: heartbeatLua });
  const commands = client as unknown as ScriptCommands;
  return {
    async admit(keys, request) {
      const reply = await commands.meridianRateAdmit(
        keys.requests,
        keys.tokens,
        keys.inflight,
        request.nowMs,
        request.requestsMax,
        request.tokensMax,
        request.concurrencyMax,
        request.estimatedTokens,
        request.requestId,
        request.leaseExpiresAtMs,
        request.windowKeyTtlMs,
        request.leaseMs,
      );
      const [refusal, requests, tokens] = readIntegers(reply, 3);
      if (refusal === undefined || refusal < 0 || refusal >= refusals.length) throw unexpectedReply(reply);
      return { refusal: refusals[refusal], requests: requests!, tokens: tokens! };
    },
    async release(keys, release) {
      const reply = await commands.meridianRateRelease(
        keys.requests,
        keys.tokens,
        keys.inflight,
        release.requestId,
        release.tokensDelta,
        release.requestsDelta,
      );
      return readIntegers([reply], 1)[0] === 1;
    },
    async heartbeat(nodesKey, beat) {
      const reply = await commands.meridianNodeHeartbeat(
        nodesKey,
        beat.nowMs,
        beat.nodeId,
        `(${beat.liveSinceMs}`,
        beat.ttlMs,
      );
      return readIntegers([reply], 1)[0]!;
    },
  };
}

function readIntegers(reply: unknown, count: number): number[] {
  if (!Array.isArray(reply) || reply.length !== count) throw unexpectedReply(reply);
  return reply.map((value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw unexpectedReply(reply);
    return value;
  });
}

function unexpectedReply(reply: unknown): Error {
  return new Error(`unexpected reply from a rate-limit script: ${JSON.stringify(reply)}`);
}
