import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { formatInteger, formatPercent, formatShare, formatUsd } from '../../src/dashboard/format.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';
import {
  launchChromium,
  openPage,
  readPageWidths,
  readPwnedFlag,
  saveScreenshot,
  shouldSkipBrowserTests,
  signInWithForm,
  waitForSettled,
} from './browser-support.js';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the built gateway and its
 * sandbox provider: sign in with the admin key, create a key on the Keys page (its secret read from the page),
 * call a model with it, find the call in Activity and its drill-down, read the top model and its share on
 * Rankings and compare them with the API exactly, see the origin chart, manage limits, revocation and grants;
 * a phone viewport without horizontal scroll; a member who sees only its org; the public Rankings signed out.
 * No console error and no uncaught exception anywhere. Screenshots go to test-artifacts/screenshots/.
 */

const adminKey = 'browser-admin-key-0123456789abcdef';
const otherOrgKey = 'browser-other-org-key-0123456789ab';
const xssText = '<img src=x onerror="document.body.dataset.pwned=1">';

function config(isPublic: boolean): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${adminKey}" }
sandbox: { enabled: true, latency_scale: 0 }
barometer: { public: ${isPublic} }
models:
  - id: test/cn-chat
    name: CN Chat (sandbox)
    author: test-cn
    origin: CN
    context_length: 65536
    endpoints:
      - provider: sandbox
        model: sandbox-chat
        pricing: { prompt: "0.20", completion: "0.80" }
orgs:
  - id: other
    name: Other Org
    credits: "5.00"
keys:
  - org: other
    name: other-member
    key: "${otherOrgKey}"
`;
}

interface Generation {
  readonly id: string;
  readonly model: string;
  readonly tokens_prompt: number;
  readonly tokens_completion: number;
  readonly total_cost: number;
  readonly cost_nanos: string;
}

interface RankingRow {
  readonly key: string;
  readonly share: number;
}

async function api<T>(gateway: GatewayProcess, path: string, key?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function chat(
  gateway: GatewayProcess,
  input: { readonly key: string; readonly model: string; readonly content: string; readonly title: string },
): Promise<{ status: number; id: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${input.key}`, 'content-type': 'application/json', 'x-title': input.title },
    body: JSON.stringify({ model: input.model, messages: [{ role: 'user', content: input.content }] }),
  });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, id: body.id ?? '' };
}

async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

const skip = shouldSkipBrowserTests();

describe.skipIf(skip)('dashboard (private barometer)', () => {
  let gateway: GatewayProcess;
  let browser: Browser;
  let generation: Generation;

  beforeAll(async () => {
    browser = await launchChromium();
    gateway = await startGatewayProcess({ configYaml: config(false) });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    gateway?.cleanup();
  });

  it('serves the page with its security headers', async () => {
    const response = await fetch(`${gateway.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('signs in, creates a key, shows its call in Activity and the drill-down, and ranks it exactly', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openPage(context, 'laptop', problems);

    // Activity needs a session: the sign-in form comes first.
    await page.goto(`${gateway.url}/#/activity`);
    await page.locator('.sign-in-card .notice').waitFor();
    expect(await textOf(page, '.sign-in-card .notice')).toBe('Sign in to see Activity.');
    await saveScreenshot(page, 'laptop-sign-in');
    await page.locator('#sign-in-key').fill(adminKey);
    await page.locator('form.sign-in-form button[type=submit]').click();
    await page.locator('.recent-card').waitFor();
    expect(await textOf(page, '#session [data-field=who]')).toBe('admin · default');

    // Keys: create one; its secret is on the page once.
    await page.locator('#nav a[data-page=keys]').click();
    await page.locator('form.create-key input[name=name]').fill('browser-key');
    await page.locator('form.create-key button[type=submit]').click();
    const secret = await textOf(page, '[data-testid=new-key-secret]');
    expect(secret).toMatch(/^sk-mer-v1-/);
    await page.locator('tr[data-key-name="browser-key"]').waitFor();
    expect(await textOf(page, 'tr[data-key-name="browser-key"] [data-field=status]')).toBe('active');

    // Two calls with the new key: two models from two origins.
    const first = await chat(gateway, {
      key: secret,
      model: 'meridian/sandbox-chat',
      content: 'Tell me about the barometer, at some length please.',
      title: 'Browser Test',
    });
    expect(first.status).toBe(200);
    expect(
      (await chat(gateway, { key: secret, model: 'test/cn-chat', content: 'Hello', title: 'Browser Test' })).status,
    ).toBe(200);
    generation = (await api<{ data: Generation }>(gateway, `/api/v1/generation?id=${first.id}`, secret)).body.data;
    expect(generation.model).toBe('meridian/sandbox-chat');

    // Activity: the call is listed with the API's model and exact tokens.
    const activityQueries: URLSearchParams[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/activity') activityQueries.push(url.searchParams);
    });
    await page.locator('#nav a[data-page=activity]').click();
    const row = `tr[data-generation-id="${generation.id}"]`;
    await page.locator(row).waitFor();
    await waitForSettled(page);
    expect(await textOf(page, `${row} [data-field=model]`)).toBe(generation.model);
    expect(await textOf(page, `${row} [data-field=tokens-prompt]`)).toBe(formatInteger(generation.tokens_prompt));
    expect(await textOf(page, `${row} [data-field=tokens-completion]`)).toBe(
      formatInteger(generation.tokens_completion),
    );
    expect(await textOf(page, `${row} [data-field=app]`)).toBe('Browser Test');
    expect(await textOf(page, `${row} [data-field=cost]`)).toBe(formatUsd(generation.total_cost));
    const activity = (
      await api<{ data: { total: { requests: number } } }>(gateway, '/api/v1/activity?group_by=day', adminKey)
    ).body.data;
    expect(activity.total.requests).toBe(2);
    expect(await textOf(page, '.totals-card [data-field=requests]')).toBe('2');
    expect(await page.locator('svg.daily-total_tokens rect.bar').count()).toBe(2);
    // The totals and the by-model table cover the charts' 30 UTC days (today and the 29 before), not now − 30 days.
    const dayMs = 86_400_000;
    const firstDay = new Date(Math.floor(Date.now() / dayMs) * dayMs - 29 * dayMs).toISOString().slice(0, 10);
    expect(activityQueries.map((params) => [params.get('group_by'), params.get('from')]).sort()).toEqual([
      ['day', firstDay],
      ['model', firstDay],
    ]);
    await saveScreenshot(page, 'laptop-activity');

    // Drill-down to the one generation.
    await page.locator(`${row} a`).click();
    await page.locator('.generation-card [data-field=id]').waitFor();
    expect(page.url()).toBe(`${gateway.url}/#/activity/${generation.id}`);
    expect(await textOf(page, '.generation-card [data-field=id]')).toBe(generation.id);
    expect(await textOf(page, '.generation-card [data-field=model]')).toBe(generation.model);
    // A JSON call: no time to first token, said so rather than a bare dash.
    expect(await textOf(page, '.generation-card [data-field=ttft]')).toBe('— (not streamed)');
    expect(await page.locator('.generation-card [data-field=tokens-prompt]').getAttribute('data-value')).toBe(
      String(generation.tokens_prompt),
    );
    expect(await page.locator('.generation-card [data-field=cost]').getAttribute('data-value')).toBe(
      generation.cost_nanos,
    );
    expect(await textOf(page, '.generation-card [data-field=cost]')).toBe(formatUsd(generation.total_cost));
    await saveScreenshot(page, 'laptop-generation');

    // Rankings: the top model and its share are the API's, to the last digit.
    await page.locator('#nav a[data-page=rankings]').click();
    await page.locator('.rankings-card tbody tr').first().waitFor();
    await waitForSettled(page);
    const ranking = (
      await api<{ data: { rows: RankingRow[] } }>(gateway, '/api/v1/rankings?period=week&by=model&limit=20', adminKey)
    ).body.data;
    expect(ranking.rows.map((item) => item.key).sort()).toEqual(['meridian/sandbox-chat', 'test/cn-chat']);
    expect(await page.locator('.rankings-card tbody tr').count()).toBe(ranking.rows.length);
    const top = ranking.rows[0]!;
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=key]')).toBe(top.key);
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=share]')).toBe(formatShare(top.share));
    expect(
      await page.locator('.rankings-card tbody tr:first-child [data-field=share]').getAttribute('data-share'),
    ).toBe(String(top.share));
    expect(top.share).toBeLessThan(1);

    // The origin chart: one path per origin, in the API's order.
    const series = (
      await api<{ data: { keys: string[] } }>(
        gateway,
        '/api/v1/rankings/series?interval=week&count=8&stack_by=origin',
        adminKey,
      )
    ).body.data;
    expect([...series.keys].sort()).toEqual(['CN', 'ZZ']);
    const paths = page.locator('svg.origin-chart path.area');
    const pathKeys: (string | null)[] = [];
    for (let index = 0; index < (await paths.count()); index += 1) {
      pathKeys.push(await paths.nth(index).getAttribute('data-key'));
    }
    expect(pathKeys).toEqual(series.keys);
    await saveScreenshot(page, 'laptop-rankings');

    // The month switch answers like the API too.
    await page.locator('.switcher a', { hasText: 'Month' }).click();
    await page.waitForURL(/period=month/);
    await page.locator('.rankings-card tbody tr').first().waitFor();
    const month = (
      await api<{ data: { rows: RankingRow[] } }>(gateway, '/api/v1/rankings?period=month&by=model&limit=20', adminKey)
    ).body.data;
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=key]')).toBe(month.rows[0]!.key);
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=share]')).toBe(
      formatShare(month.rows[0]!.share),
    );

    // Models: catalog prices per 1M tokens, and the endpoint's live uptime.
    await page.locator('#nav a[data-page=models]').click();
    const modelRow = 'tr[data-model-id="test/cn-chat"]';
    await page.locator(modelRow).waitFor();
    expect(await textOf(page, `${modelRow} [data-field=prompt-price]`)).toBe('$0.20');
    expect(await textOf(page, `${modelRow} [data-field=completion-price]`)).toBe('$0.80');
    await saveScreenshot(page, 'laptop-models');
    await page.locator(`${modelRow} a`).click();
    await page.locator('tr[data-provider=sandbox]').waitFor();
    const endpoints = (
      await api<{ data: { endpoints: { uptime_last_30m: number | null }[] } }>(
        gateway,
        '/api/v1/models/test/cn-chat/endpoints',
      )
    ).body.data.endpoints;
    expect(endpoints[0]!.uptime_last_30m).toBe(100);
    expect(await textOf(page, 'tr[data-provider=sandbox] [data-field=uptime]')).toBe(formatPercent(100));
    await saveScreenshot(page, 'laptop-model-endpoints');

    // Keys: a limit, then revocation (two clicks), each as the API then reports it.
    await page.locator('#nav a[data-page=keys]').click();
    const keyRow = 'tr[data-key-name="browser-key"]';
    await page.locator(keyRow).waitFor();
    await page.locator(keyRow).getByRole('button', { name: 'Limit', exact: true }).click();
    await page.locator(`${keyRow} form.limit-form input[name=limit]`).fill('1.50');
    await page.locator(`${keyRow} form.limit-form select[name=limit_reset]`).selectOption('daily');
    await page.locator(`${keyRow} form.limit-form button[type=submit]`).click();
    await page.locator(`${keyRow} [data-field=limit]`, { hasText: '$1.50 daily' }).waitFor();
    const keys = (
      await api<{ data: { name: string; limit: number | null; limit_reset: string; revoked: boolean }[] }>(
        gateway,
        '/api/v1/keys',
        adminKey,
      )
    ).body.data;
    expect(keys.find((key) => key.name === 'browser-key')).toMatchObject({
      limit: 1.5,
      limit_reset: 'daily',
      revoked: false,
    });
    await page.locator(keyRow).getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.locator(keyRow).getByRole('button', { name: 'Confirm revoke', exact: true }).click();
    await page.locator(`${keyRow} [data-field=status]`, { hasText: 'revoked' }).waitFor();
    const revoked = (await api<{ data: { name: string; revoked: boolean }[] }>(gateway, '/api/v1/keys', adminKey)).body
      .data;
    expect(revoked.find((key) => key.name === 'browser-key')?.revoked).toBe(true);
    expect(
      (await chat(gateway, { key: secret, model: 'test/cn-chat', content: 'Hi', title: 'Browser Test' })).status,
    ).toBe(401);

    // Grants: $2.50 to the default org (which started with the zero-config $10.00).
    await page.locator('form.grant-form input[name=amount]').fill('2.50');
    await page.locator('form.grant-form input[name=grant_id]').fill('browser-grant-1');
    await page.locator('form.grant-form button[type=submit]').click();
    await page.locator('form.grant-form .form-status', { hasText: 'Granted $2.50 to default' }).waitFor();
    const orgs = (await api<{ data: { id: string; total_credits: number }[] }>(gateway, '/api/v1/orgs', adminKey)).body
      .data;
    expect(orgs.find((org) => org.id === 'default')?.total_credits).toBe(12.5);
    await page.locator('tr[data-org-id=default] [data-field=granted]', { hasText: '$12.50' }).waitFor();
    await page.locator('.credits-card [data-field=granted]', { hasText: '$12.50' }).waitFor();
    await saveScreenshot(page, 'laptop-keys');

    // Sign out: the header offers sign-in again and Keys asks for it.
    await page.locator('#session button', { hasText: 'Sign out' }).click();
    await page.locator('#session a', { hasText: 'Sign in' }).waitFor();
    await page.locator('#nav a[data-page=keys]').click();
    await page.locator('#sign-in-key').waitFor();
    await context.close();
    expect(problems).toEqual([]);
  });

  it('renders every page on a phone (390×844) without horizontal scroll', async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await openPage(context, 'phone', problems);
    await signInWithForm(page, gateway.url, adminKey);
    const routes = [
      ['rankings', '#/rankings'],
      ['activity', '#/activity'],
      ['generation', `#/activity/${generation.id}`],
      ['models', '#/models'],
      ['model-endpoints', '#/models/meridian/sandbox-chat'],
      ['keys', '#/keys'],
    ] as const;
    for (const [name, hash] of routes) {
      await page.goto(`${gateway.url}/${hash}`);
      await waitForSettled(page);
      expect(await readPageWidths(page), name).toEqual([390, 390]);
      await saveScreenshot(page, `phone-${name}`);
    }
    await context.close();
    expect(problems).toEqual([]);
  });

  it('shows a member only its own org, and user text as text', async () => {
    const problems: string[] = [];
    // Another org's member calls with a hostile app title; the admin's org made the calls above.
    const call = await chat(gateway, {
      key: otherOrgKey,
      model: 'meridian/sandbox-chat',
      content: 'Hi',
      title: xssText,
    });
    expect(call.status).toBe(200);
    const listed = await api<{ data: { id: string; org_id: string }[] }>(
      gateway,
      '/api/v1/generations?org_id=default',
      otherOrgKey,
    );
    expect(listed.body.data.map((item) => [item.id, item.org_id])).toEqual([[call.id, 'other']]);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openPage(context, 'member', problems);
    await signInWithForm(page, gateway.url, otherOrgKey);
    expect(await textOf(page, '#session [data-field=who]')).toBe('member · other');
    await page.goto(`${gateway.url}/#/activity?org=default`);
    await waitForSettled(page);
    expect(await page.locator('.recent-card tbody tr').count()).toBe(1);
    expect(await textOf(page, `tr[data-generation-id="${call.id}"] [data-field=app]`)).toBe(xssText);
    expect(await page.locator(`tr[data-generation-id="${generation.id}"]`).count()).toBe(0);
    expect(await textOf(page, '.totals-card [data-field=requests]')).toBe('1');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await readPwnedFlag(page)).toBeNull();
    await saveScreenshot(page, 'member-activity');

    await page.locator('#nav a[data-page=keys]').click();
    await page.locator('.credits-card [data-field=org]').waitFor();
    await waitForSettled(page);
    expect(await textOf(page, '.credits-card [data-field=org]')).toBe('other');
    expect(await page.locator('.create-key-card').count()).toBe(0);
    expect(await page.locator('.keys-card').count()).toBe(0);
    await context.close();
    expect(problems).toEqual([]);
  });
});

describe.skipIf(skip)('dashboard (public barometer)', () => {
  let gateway: GatewayProcess;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    gateway = await startGatewayProcess({ configYaml: config(true) });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    gateway?.cleanup();
  });

  it('renders Rankings signed out and asks for sign-in elsewhere', async () => {
    const problems: string[] = [];
    expect(
      (await chat(gateway, { key: adminKey, model: 'test/cn-chat', content: 'Hello', title: 'Public Test' })).status,
    ).toBe(200);
    const ranking = (
      await api<{ data: { rows: RankingRow[] } }>(gateway, '/api/v1/rankings?period=week&by=model&limit=20')
    ).body.data;
    expect(ranking.rows.map((item) => [item.key, item.share])).toEqual([['test/cn-chat', 1]]);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await openPage(context, 'public', problems);
    await page.goto(`${gateway.url}/`);
    await page.locator('.rankings-card tbody tr').first().waitFor();
    await waitForSettled(page);
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=key]')).toBe('test/cn-chat');
    expect(await textOf(page, '.rankings-card tbody tr:first-child [data-field=share]')).toBe('100.00%');
    expect(await page.locator('svg.origin-chart path.area').count()).toBe(1);
    expect(await textOf(page, '#session a')).toBe('Sign in');
    await saveScreenshot(page, 'public-rankings');

    await page.locator('#nav a[data-page=activity]').click();
    await page.locator('#sign-in-key').waitFor();
    expect(await textOf(page, '.sign-in-card .notice')).toBe('Sign in to see Activity.');
    await context.close();
    expect(problems).toEqual([]);
  });
});
