import { randomBytes } from 'node:crypto';
import { createCreditsConfig } from './credits-config.js';
import { testAdminKey } from './gateway-config.js';

/** One pepper for every node of a test cluster: keys created on one node must authenticate on the others. */
export const clusterPepper = randomBytes(32).toString('hex');

/**
 * A cluster node's config (issue #6): the credits config's fake provider, model and orgs, with storage in PostgreSQL,
 * limits in Redis (when given), this node's id and short hold timings so a reconciler acts within a test.
 */
export function createClusterConfig(input: {
  readonly fakeBaseUrl: string;
  readonly postgresUrl: string;
  readonly redisUrl?: string;
  readonly nodeId: string;
  readonly nodesExpected: number;
  readonly orgs: Readonly<Record<string, string>>;
  readonly billing?: string;
}): string {
  // A Redis timeout above the default 50 ms: on a machine loaded by a parallel test run, a stalled event loop would
  // time commands out and hand decisions to the degraded local limits, which the global-count tests do not test.
  const redis = input.redisUrl === undefined ? '' : `\nredis: { url: "${input.redisUrl}", command_timeout_ms: 1000 }`;
  const billing = input.billing ?? '{ hold_ttl_ms: 3000, hold_grace_ms: 0, reconcile_interval_ms: 500 }';
  return createCreditsConfig(input.fakeBaseUrl, input.orgs).replace(
    'storage: { url: "sqlite:{{dir}}/meridian.db" }',
    `storage: { url: "${input.postgresUrl}" }${redis}\ncluster: { node_id: ${input.nodeId}, nodes_expected: ${input.nodesExpected} }\nbilling: ${billing}`,
  );
}

/** A node's settlements still waiting in its journal for PostgreSQL (`meridian_journal_depth` on its /metrics). */
export async function readJournalDepth(nodeUrl: string): Promise<number> {
  const page = await (
    await fetch(`${nodeUrl}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } })
  ).text();
  return Number(/^meridian_journal_depth (\d+)$/m.exec(page)?.[1]);
}
