import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { clusterPepper, readJournalDepth } from './cluster-config.js';
import { testAdminKey } from './gateway-config.js';
import type { GatewayProcess } from './start-gateway-process.js';

/** What cluster e2e tests do against their nodes: keys, metered calls, credits, drained journals, `ledger verify`. */

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const run = promisify(execFile);

export async function createKey(nodeUrl: string, orgId: string, fields: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${nodeUrl}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `${orgId}-${Math.random()}`, org_id: orgId, ...fields }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

/** One JSON call to the credits config's metered model. */
export async function callMetered(nodeUrl: string, key: string): Promise<{ status: number; id: string | undefined }> {
  const response = await fetch(`${nodeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test/metered', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, id: response.status === 200 ? body.id : undefined };
}

export async function readCredits(nodeUrl: string, key: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${nodeUrl}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { data: Record<string, unknown> }).data;
}

/**
 * Waits (bounded) until no node has settlements left in its journal. A response waits at most 250 ms for PostgreSQL
 * after its settlement is durable in the node's journal (docs/cluster.md), so under load the books catch up just after
 * the last response; exact checks are made once they have.
 */
export async function awaitJournalsDrained(nodes: readonly GatewayProcess[]): Promise<void> {
  const pollsMax = 200;
  for (let poll = 0; poll < pollsMax; poll += 1) {
    const depths = await Promise.all(nodes.map((node) => readJournalDepth(node.url)));
    if (depths.every((depth) => depth === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the nodes' journals did not drain within ${pollsMax} polls`);
}

/** `meridian ledger verify` against the cluster's database, from a node's config: the report, which must have no ✗. */
export async function verifyClusterLedger(node: GatewayProcess): Promise<string> {
  const configPath = join(node.directory, 'meridian.yaml');
  const { stdout } = await run(process.execPath, [mainPath, 'ledger', 'verify', '--config', configPath], {
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_KEY_PEPPER: clusterPepper },
  });
  return stdout;
}
