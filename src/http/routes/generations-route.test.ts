import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/index.js';
import type { GenerationListStore, KeyRecord, OrgRecord, ServingPort } from '../../storage/index.js';
import { createKeyRecord } from '../../storage/key-record-test-support.js';
import { createTestGenerationRecord as record } from '../../storage/test-generation-record.js';
import { sendGenerations } from './generations-route.js';
import { createTestResponse } from './route-test-support.js';

function createKey(role: KeyRecord['role'], orgId: string): KeyRecord {
  return createKeyRecord(`key_${role}`, { orgId, name: role, role });
}

/**
 * A store that records what it was asked and answers one record per asked org: at once (SQLite), or through a
 * promise (PostgreSQL) when `isAsync`.
 */
function createStore(isAsync: boolean) {
  const queries: { orgId: string; limit: number }[] = [];
  const listRecentGenerations: GenerationListStore['listRecentGenerations'] = (query) => {
    queries.push({ ...query });
    return [record(`gen-${query.orgId}`, { orgId: query.orgId })];
  };
  const purgeGenerationsBefore = (): number => {
    throw new Error('the route never purges');
  };
  const store: ServingPort<GenerationListStore> = isAsync
    ? {
        listRecentGenerations: (query) => Promise.resolve(listRecentGenerations(query)),
        purgeGenerationsBefore: () => Promise.resolve(purgeGenerationsBefore()),
      }
    : { listRecentGenerations, purgeGenerationsBefore };
  return { store, queries };
}

const knownOrgIds = ['acme', 'default', 'other'];
const createOrg = (id: string): OrgRecord => ({
  id,
  name: id,
  createdAtMs: 0,
  markupBasisPoints: 0,
  promptLogging: { isEnabled: false, retentionDays: 30 },
});

async function call(query: string, key: KeyRecord, isAsync = false) {
  const { store, queries } = createStore(isAsync);
  const { response, read } = createTestResponse();
  await sendGenerations(response, {
    url: new URL(`http://gateway.invalid/v1/generations${query}`),
    key,
    store,
    orgs: { findOrg: (id) => (knownOrgIds.includes(id) ? createOrg(id) : undefined) },
    requestId: 'r',
  });
  const sent = read();
  return { queries, status: sent.status, data: (sent.body as { data: { id: string }[] }).data };
}

describe('sendGenerations', () => {
  it.each([
    ['at once', false],
    ['through a promise', true],
  ])(
    'answers 20 of the caller org by default, in the shape of GET /generation (store answering %s)',
    async (_name, isAsync) => {
      const answer = await call('', createKey('member', 'acme'), isAsync);
      expect(answer.queries).toEqual([{ orgId: 'acme', limit: 20 }]);
      expect(answer.status).toBe(200);
      expect(answer.data.map((item) => item.id)).toEqual(['gen-acme']);
      expect(answer.data[0]).toMatchObject({
        org_id: 'acme',
        model: 'deepseek/deepseek-v3.2',
        cost_nanos: '9007199254740993',
      });
    },
  );

  it('keeps a member key to its own org whatever org_id it sends', async () => {
    expect((await call('?org_id=other&limit=5', createKey('member', 'acme'))).queries).toEqual([
      { orgId: 'acme', limit: 5 },
    ]);
  });

  it('lets an admin key name an org, and defaults to its own', async () => {
    expect((await call('?org_id=other', createKey('admin', 'default'))).queries).toEqual([
      { orgId: 'other', limit: 20 },
    ]);
    expect((await call('?limit=100', createKey('admin', 'default'))).queries).toEqual([
      { orgId: 'default', limit: 100 },
    ]);
  });

  it.each(['0', '101', '-1', '1.5', 'ten', ''])('refuses limit=%s with 400 invalid_request on limit', async (limit) => {
    const attempt = () => call(`?limit=${limit}`, createKey('member', 'acme'));
    await expect(attempt()).rejects.toThrow(GatewayError);
    await expect(attempt()).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'limit' }) as Error,
    );
  });
});

describe('sendGenerations with an admin org_id that names no org', () => {
  it('answers an org that does not exist with 404 on org_id, not an empty list', async () => {
    await expect(call('?org_id=nobody', createKey('admin', 'default'))).rejects.toThrow(
      expect.objectContaining({ code: 'not_found', param: 'org_id', message: "Org 'nobody' not found." }) as Error,
    );
  });

  it.each(['', 'Acme Corp', 'a'.repeat(65)])('refuses org_id=%j with 400 invalid_request on org_id', async (orgId) => {
    const attempt = () => call(`?org_id=${encodeURIComponent(orgId)}`, createKey('admin', 'default'));
    await expect(attempt()).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'org_id' }) as Error,
    );
  });
});
