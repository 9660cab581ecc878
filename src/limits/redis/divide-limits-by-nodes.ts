import type { KeyRateLimits } from '../../storage/index.js';

/**
 * One node's share of a key's limits while Redis is unreachable: each limit ÷ the live nodes, rounded up, at
 * least 1 (RELIABILITY.md decision 5). Rounding up may admit up to `nodes − 1` more than the limit cluster-wide;
 * rounding down could refuse a key every request (a limit of 2 on 3 nodes), which is worse.
 */
export function divideLimitsByNodes(limits: KeyRateLimits, nodes: number): KeyRateLimits {
  const divisor = Math.max(1, Math.floor(nodes));
  const share = (limit: number | null): number | null =>
    limit === null ? null : Math.max(1, Math.ceil(limit / divisor));
  return {
    requestsPerMinute: share(limits.requestsPerMinute),
    tokensPerMinute: share(limits.tokensPerMinute),
    concurrencyMax: share(limits.concurrencyMax),
  };
}
