import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/index.js';
import { createTestGenerationRecord as record } from '../../storage/test-generation-record.js';
import { updateOrgSettingsRoute } from './org-settings-route.js';
import { createRouteTestApp, createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

const startedAtMs = 1_795_000_000_000;

/** Org `acme` over stores answering through promises, and the log events of the purge the route starts. */
function setUp() {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  const logged: string[] = [];
  const app = createRouteTestApp({ storage, nowMs: startedAtMs + 60_000, logged });
  const patch = async (orgId: string, body: unknown) => {
    const { response, read } = createTestResponse();
    await updateOrgSettingsRoute(response, app, { orgId, body, requestId: 'req-1' });
    return read();
  };
  return { sqlite, logged, patch };
}

const settings = (enabled: boolean, retentionDays: number) => ({
  status: 200,
  body: {
    data: {
      id: 'acme',
      name: 'Acme',
      markup_basis_points: 0,
      prompt_logging: { enabled, retention_days: retentionDays },
    },
  },
});

describe('updateOrgSettingsRoute over stores answering through promises', () => {
  it('answers 404 for an unknown org', async () => {
    const { patch } = setUp();
    await expect(patch('nope', { prompt_logging: { enabled: true } })).rejects.toMatchObject({
      code: 'not_found',
      param: 'id',
      message: "Org 'nope' not found.",
    });
  });

  it('turns logging on and off, keeping an absent field; off purges the stored content', async () => {
    const { sqlite, logged, patch } = setUp();
    expect(await patch('acme', { prompt_logging: { enabled: true, retention_days: 7 } })).toEqual(settings(true, 7));
    expect(sqlite.orgs.findOrg('acme')?.promptLogging).toEqual({ isEnabled: true, retentionDays: 7 });
    const content = { promptJson: '[]', completionJson: '[]' };
    sqlite.generations.insertGenerations([record('gen-acme', { orgId: 'acme', startedAtMs, content })]);
    expect(sqlite.generationContent.findContent('gen-acme', startedAtMs + 1)?.orgId).toBe('acme');
    expect(await patch('acme', { prompt_logging: { enabled: false } })).toEqual(settings(false, 7));
    expect(sqlite.orgs.findOrg('acme')?.promptLogging).toEqual({ isEnabled: false, retentionDays: 7 });
    for (let turn = 0; turn < 100 && logged.length === 0; turn += 1) await nextTurn();
    expect(logged).toEqual(['prompt_logs_purged']);
    expect(sqlite.generationContent.purgeExpiredContent(startedAtMs + 60_000, 10)).toBe(0);
  });
});
