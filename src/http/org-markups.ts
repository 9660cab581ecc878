import { limits } from '../config/index.js';
import type { MaybePromise, OrgRecord } from '../storage/index.js';

/**
 * Each org's markup, which prices every call of the org (admission's hold and settlement). Read from storage at
 * most every `limits.orgMarkupCacheTtlMs` per org; a change made through this node's API applies to its next call.
 */
export interface OrgMarkups {
  read(orgId: string): MaybePromise<number>;
  /** This node set the org's markup (created the org, or changed it): later calls here are priced with it at once. */
  remember(orgId: string, markupBasisPoints: number): void;
}

/**
 * Creates the node's markup cache over `findOrg`. Another process's change (a second node in cluster mode) is read
 * within the TTL. A read that started before this node's own change never overwrites what the change remembered.
 */
export function createOrgMarkups(
  findOrg: (orgId: string) => MaybePromise<OrgRecord | undefined>,
  options: { readonly now: () => number; readonly ttlMs?: number },
): OrgMarkups {
  const ttlMs = options.ttlMs ?? limits.orgMarkupCacheTtlMs;
  // Bounded by the number of orgs: only authenticated calls (whose keys belong to existing orgs) ask.
  const cache = new Map<string, { readonly markup: number; readonly atMs: number }>();
  let changeCount = 0;
  /** Reads in flight by org (a store answering through promises): a burst of the org's calls asks the store once. */
  const reads = new Map<string, Promise<number>>();

  function keep(orgId: string, org: OrgRecord | undefined, changeCountAtRead: number, readAtMs: number): number {
    const markup = org?.markupBasisPoints ?? 0;
    if (changeCount === changeCountAtRead) cache.set(orgId, { markup, atMs: readAtMs });
    return markup;
  }

  return {
    read(orgId) {
      const nowMs = options.now();
      const cached = cache.get(orgId);
      if (cached !== undefined && nowMs - cached.atMs < ttlMs) return cached.markup;
      const reading = reads.get(orgId);
      if (reading !== undefined) return reading;
      const changeCountAtRead = changeCount;
      const org = findOrg(orgId);
      if (!(org instanceof Promise)) return keep(orgId, org, changeCountAtRead, nowMs);
      const read = org.then((found) => keep(orgId, found, changeCountAtRead, nowMs));
      reads.set(orgId, read);
      const forget = (): void => {
        if (reads.get(orgId) === read) reads.delete(orgId);
      };
      read.then(forget, forget);
      return read;
    },
    remember(orgId, markupBasisPoints) {
      changeCount += 1;
      // A call after this change must not join a read that started before it.
      reads.delete(orgId);
      cache.set(orgId, { markup: markupBasisPoints, atMs: options.now() });
    },
  };
}
