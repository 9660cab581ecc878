import type { EndpointKey } from '../health-types.js';

/** Rests announced by other nodes: per endpoint, per announcing node, the time the rest ends. */
export interface RemoteRests {
  /** Records (or replaces) `nodeId`'s rest of `endpoint`; an until-time not after `nowMs` removes it instead. */
  set(endpoint: EndpointKey, nodeId: string, untilMs: number, nowMs: number): void;
  /** Removes `nodeId`'s rest of `endpoint` (its circuit closed); other nodes' rests of it stay. */
  clear(endpoint: EndpointKey, nodeId: string): void;
  /** The latest rest of `endpoint` still running at `nowMs`, or undefined. */
  untilMs(endpoint: EndpointKey, nowMs: number): number | undefined;
  /** Entries held (expired ones included until swept). */
  count(): number;
}

/**
 * Kept per announcing node so that one node's clear cannot lift another node's running rest (its `Retry-After`,
 * say). Bounded by `countMax` entries: when full, expired entries are swept (O(entries), only when full), then the
 * oldest endpoint's entries are dropped first — forgetting a remote rest only sends traffic a little early.
 */
export function createRemoteRests(options: { readonly countMax: number }): RemoteRests {
  const rests = new Map<EndpointKey, Map<string, number>>();
  let count = 0;

  const remove = (endpoint: EndpointKey, byNode: Map<string, number>, nodeId: string): void => {
    if (!byNode.delete(nodeId)) return;
    count -= 1;
    if (byNode.size === 0) rests.delete(endpoint);
  };

  const makeRoom = (nowMs: number): void => {
    if (count < options.countMax) return;
    for (const [endpoint, byNode] of rests) {
      for (const [nodeId, untilMs] of byNode) if (untilMs <= nowMs) remove(endpoint, byNode, nodeId);
    }
    for (const [endpoint, byNode] of rests) {
      if (count < options.countMax) return;
      for (const nodeId of byNode.keys()) remove(endpoint, byNode, nodeId);
    }
  };

  const clear = (endpoint: EndpointKey, nodeId: string): void => {
    const byNode = rests.get(endpoint);
    if (byNode !== undefined) remove(endpoint, byNode, nodeId);
  };

  return {
    set(endpoint, nodeId, untilMs, nowMs) {
      if (untilMs <= nowMs) return clear(endpoint, nodeId);
      if (rests.get(endpoint)?.has(nodeId) !== true) {
        makeRoom(nowMs);
        count += 1;
      }
      const byNode = rests.get(endpoint) ?? new Map<string, number>();
      byNode.set(nodeId, untilMs);
      rests.set(endpoint, byNode);
    },
    clear,
    untilMs(endpoint, nowMs) {
      const byNode = rests.get(endpoint);
      if (byNode === undefined) return undefined;
      let latestMs: number | undefined;
      for (const untilMs of byNode.values()) {
        if (untilMs > nowMs && (latestMs === undefined || untilMs > latestMs)) latestMs = untilMs;
      }
      return latestMs;
    },
    count: () => count,
  };
}
