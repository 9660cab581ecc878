import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../storage/index.js';
import { createKeyRecord } from '../../storage/key-record-test-support.js';
import { createTestGenerationRecord as record } from '../../storage/test-generation-record.js';
import type { AppContext } from '../app-context.js';
import { sendActivity, sendRankings, sendRankingSeries } from './analytics-routes.js';
import { createRouteTestApp, createTestResponse, openPromiseStorage } from './route-test-support.js';

const opened: Storage[] = [];
afterEach(() => {
  for (const storage of opened.splice(0)) storage.close();
});

const startMs = Date.parse('2026-11-25T12:00:00Z');
const admin = createKeyRecord('key_admin', { orgId: 'acme', role: 'admin' });

/** Two requests of org `acme` on 2026-11-25 (two models), behind analytics queries answering through promises. */
function setUp(): AppContext {
  const { sqlite, storage } = openPromiseStorage();
  opened.push(sqlite);
  sqlite.generations.insertGenerations([
    record('gen-1', { orgId: 'acme', startedAtMs: startMs, finishedAtMs: startMs + 1_234 }),
    record('gen-2', {
      orgId: 'acme',
      modelId: 'acme/other',
      startedAtMs: startMs + 60_000,
      finishedAtMs: startMs + 61_000,
    }),
  ]);
  return createRouteTestApp({ storage, nowMs: Date.parse('2026-11-26T10:00:00Z') });
}

type AnalyticsRoute = typeof sendActivity;

async function ask(route: AnalyticsRoute, app: AppContext, query: string) {
  const { response, read } = createTestResponse();
  const url = new URL(`http://gateway.invalid/v1/analytics${query}`);
  await route(response, app, {
    url,
    viewer: { kind: 'key', key: admin },
    key: admin,
    requestId: 'req-1',
    minAppRequests: 0,
  });
  return { ...read(), response };
}

describe('analytics routes over queries answering through promises', () => {
  it('answers the rankings, as JSON and as CSV', async () => {
    const app = setUp();
    const answer = await ask(sendRankings, app, '?period=week&measure=requests');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      data: {
        period: 'week',
        current: { start: '2026-11-23T00:00:00+00:00', end: '2026-11-30T00:00:00+00:00' },
        total: 2,
        previousTotal: 0,
        rows: [
          { key: 'acme/other', value: 1, share: 0.5, previousValue: 0, growth: null },
          { key: 'deepseek/deepseek-v3.2', value: 1, share: 0.5, previousValue: 0, growth: null },
        ],
        others: { value: 0, share: 0, previousValue: 0, growth: null, keyCount: 0 },
      },
    });
    const csv = createTestResponse();
    await sendRankings(csv.response, app, {
      url: new URL('http://gateway.invalid/v1/rankings?period=week&measure=requests&format=csv'),
      viewer: { kind: 'key', key: admin },
      requestId: 'req-2',
      minAppRequests: 0,
    });
    expect(csv.text()).toBe(
      'rank,model,requests,share,previous,growth\r\n' +
        '1,acme/other,1,0.5,0,\r\n' +
        '2,deepseek/deepseek-v3.2,1,0.5,0,\r\n' +
        ',others,0,0,0,\r\n' +
        ',total,2,1,0,\r\n',
    );
  });

  it('writes an empty period as CSV with no share anywhere (the total is not 100 % of nothing)', async () => {
    const csv = createTestResponse();
    await sendRankings(csv.response, setUp(), {
      url: new URL('http://gateway.invalid/v1/rankings?period=week&date=2026-01-07&format=csv'),
      viewer: { kind: 'key', key: admin },
      requestId: 'req-3',
      minAppRequests: 0,
    });
    expect(csv.text()).toBe(
      'rank,model,total_tokens,share,previous,growth\r\n' + ',others,0,0,0,\r\n' + ',total,0,0,0,\r\n',
    );
  });

  it('answers the stacked series and the activity, money as exact nanos', async () => {
    const app = setUp();
    const series = await ask(sendRankingSeries, app, '?interval=day&count=2&measure=requests');
    expect((series.body as { data: { points: unknown } }).data.points).toEqual([
      { periodStartMs: Date.parse('2026-11-25T00:00:00Z'), key: 'CN', value: 2 },
      { periodStartMs: Date.parse('2026-11-26T00:00:00Z'), key: 'CN', value: 0 },
    ]);
    const activity = await ask(sendActivity, app, '?from=2026-11-25&to=2026-11-26');
    expect(activity.body).toMatchObject({
      data: {
        orgId: 'acme',
        groupBy: 'day',
        rows: [{ key: '2026-11-25', requests: 2, totalTokens: 3_000, costNanos: { nanos: '18014398509481986' } }],
        total: { requests: 2, upstreamCostNanos: { usd: 0.00042, nanos: '420000' } },
      },
    });
  });

  it("reads activity's from and to as days in tz (to exclusive), and refuses dates that do not exist", async () => {
    const app = setUp();
    // 12:00 UTC on 11-25 is 04:00 that day in Los Angeles and 01:00 on 11-26 in Auckland (+13:00).
    const days = async (query: string) =>
      ((await ask(sendActivity, app, `${query}&group_by=day`)).body as { data: { rows: { key: string }[] } }).data.rows
        .filter((row) => (row as { requests?: number }).requests !== 0)
        .map((row) => row.key);
    expect(await days('?from=2026-11-25&to=2026-11-26&tz=America/Los_Angeles')).toEqual(['2026-11-25']);
    expect(await days('?from=2026-11-25&to=2026-11-26&tz=Pacific/Auckland')).toEqual([]);
    expect(await days('?from=2026-11-26&to=2026-11-27&tz=Pacific/Auckland')).toEqual(['2026-11-26']);
    expect(await days('?from=2026-11-25T11:00:00Z&to=2026-11-25T13:00:00-00:00')).toEqual(['2026-11-25']);
    for (const [query, param] of [
      ['?from=2026-02-30', 'from'],
      ['?to=2026-11-25T12:00:00', 'to'],
      ['?from=Dec 1 2026', 'from'],
    ] as const) {
      await expect(ask(sendActivity, app, query)).rejects.toMatchObject({ code: 'invalid_request', param });
    }
  });

  it('reads the 30 days before `to` when only `to` is given, and names a reversed range in the words of its query', async () => {
    const app = setUp();
    // `now` is 2026-11-26T10:00Z: the 30 days before it would all come after `to`.
    const before = await ask(sendActivity, app, '?to=2026-10-01&group_by=model');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      data: { fromMs: Date.parse('2026-09-01T00:00:00Z'), toMs: Date.parse('2026-10-01T00:00:00Z'), rows: [] },
    });
    const around = await ask(sendActivity, app, '?to=2026-11-26&group_by=model');
    expect(around.body).toMatchObject({
      data: { fromMs: Date.parse('2026-10-27T00:00:00Z'), total: { requests: 2 } },
    });
    await expect(ask(sendActivity, app, '?from=2026-11-26&to=2026-11-25')).rejects.toMatchObject({
      code: 'invalid_request',
      param: 'from',
      message: 'from must come before to, got from=2026-11-26 and to=2026-11-25',
    });
    await expect(ask(sendActivity, app, '?from=2026-12-01')).rejects.toMatchObject({
      param: 'from',
      message: 'from must come before to, got from=2026-12-01 and to=now (2026-11-26T10:00:00.000Z)',
    });
  });

  it.each([sendRankings, sendRankingSeries, sendActivity])(
    "answers an admin's org_id of an org that does not exist with 404, not an empty answer (%#)",
    async (route) => {
      const app = setUp();
      await expect(ask(route, app, '?org_id=acmee')).rejects.toMatchObject({
        code: 'not_found',
        param: 'org_id',
        message: "Org 'acmee' not found.",
      });
    },
  );

  it("answers an admin's org_id of an existing org", async () => {
    const { sqlite, storage } = openPromiseStorage();
    opened.push(sqlite);
    sqlite.orgs.ensureOrg({ id: 'beta', name: 'Beta', createdAtMs: 0, markupBasisPoints: 0 });
    const app = createRouteTestApp({ storage, nowMs: Date.parse('2026-11-26T10:00:00Z') });
    for (const route of [sendRankings, sendRankingSeries, sendActivity]) {
      expect((await ask(route, app, '?org_id=beta')).status).toBe(200);
    }
  });

  it.each([
    [sendRankings, '?tz=Not/AZone', 'tz', /^unknown time zone "Not\/AZone": tz must be an IANA name$/],
    [sendRankingSeries, '?stack_by=planet', 'stack_by', /^stack_by must be one of .+, got "planet"$/],
    [sendActivity, '?group_by=planet', 'group_by', /^group_by must be one of .+, got "planet"$/],
    [sendActivity, '?format=csv&org_id=%E6%97%A5', 'org_id', /^org_id must be an org id/],
    [sendActivity, '?format=csv&org_id=a%0d%0aX-Evil:%201', 'org_id', /^org_id must be an org id/],
    [sendActivity, '?format=csv&org_id=a%22b', 'org_id', /^org_id must be an org id/],
    // An admin's empty or malformed org_id is no org: refused, not answered with an empty ranking.
    [sendRankings, '?org_id=', 'org_id', /^org_id must be an org id/],
    [sendRankings, '?org_id=Acme%20Corp', 'org_id', /^org_id must be an org id/],
    [sendRankingSeries, '?org_id=', 'org_id', /^org_id must be an org id/],
    // A format it does not write is refused, not answered in JSON.
    [sendRankings, '?format=cvs', 'format', /^format must be one of json, csv, got "cvs"$/],
    [sendActivity, '?format=xlsx', 'format', /^format must be one of json, csv, got "xlsx"$/],
    [sendRankingSeries, '?format=csv', 'format', /^format must be one of json, got "csv"$/],
  ] as const)('names a refused parameter as the client wrote it (%#)', async (route, query, param, message) => {
    await expect(ask(route, setUp(), query)).rejects.toMatchObject({
      code: 'invalid_request',
      param,
      message: expect.stringMatching(message) as unknown,
    });
  });
});
